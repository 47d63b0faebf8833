package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// upsertJSON writes a row of a JSON-document table inside tx. table is
// always a constant of this package, never user input.
func upsertJSON(ctx context.Context, tx pgx.Tx, table, id string, data []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, id, string(data))
	if err != nil {
		return fmt.Errorf("save %s %s: %w", table, id, err)
	}
	return nil
}

// putJSON upserts a row of a JSON-document table with its config event.
func (s *Store) putJSON(ctx context.Context, table, id string, v any, event svcflow.Event) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", table, id, err)
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return putJSONTx(ctx, tx, table, id, data, event) })
}

func putJSONTx(ctx context.Context, tx pgx.Tx, table, id string, data []byte, event svcflow.Event) error {
	if err := upsertJSON(ctx, tx, table, id, data); err != nil {
		return err
	}
	if slaInputs[table] {
		// The generation first: its row lock makes a concurrent save of
		// schedules wait, then see the new generation and save nothing.
		if _, err := tx.Exec(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'sla_generation'`); err != nil {
			return fmt.Errorf("move the SLA generation on: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sla_schedule`); err != nil {
			return fmt.Errorf("clear the SLA schedule: %w", err)
		}
	}
	return appendConfigEvent(ctx, tx, event)
}

// configTables are where each kind of configuration object is kept, and
// the column holding its JSON.
var configTables = map[desk.ConfigKind][2]string{
	desk.ConfigPerson: {"people", "data"}, desk.ConfigTeam: {"teams", "data"}, desk.ConfigOrganisation: {"organisations", "data"},
	desk.ConfigService: {"services", "data"}, desk.ConfigSLAPolicy: {"sla_policies", "data"}, desk.ConfigRule: {"rules", "definition"},
}

// lockedConfig takes the transaction lock on a configuration object's name
// and reads its JSON (nil when there is none).
func lockedConfig(ctx context.Context, tx pgx.Tx, kind desk.ConfigKind, id string) ([]byte, error) {
	where, ok := configTables[kind]
	if !ok {
		return nil, fmt.Errorf("save %s %s: unknown kind of configuration", kind, id)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "config:"+where[0]+":"+id); err != nil {
		return nil, fmt.Errorf("lock %s %s: %w", kind, id, err)
	}
	var stored *string
	err := tx.QueryRow(ctx, `SELECT `+where[1]+`::text FROM `+where[0]+` WHERE id = $1`, id).Scan(&stored)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("load %s %s: %w", kind, id, err)
	}
	if stored == nil {
		return nil, nil
	}
	return []byte(*stored), nil
}

// PutConfigIf saves a configuration object when accepts takes the one
// stored now. A transaction lock on the object's name serialises the
// conditional saves of one object across instances, also while it does
// not exist yet (there is no row to lock then).
func (s *Store) PutConfigIf(ctx context.Context, kind desk.ConfigKind, id string, v any, accepts func([]byte) bool, event svcflow.Event) error {
	where, ok := configTables[kind]
	if !ok {
		return fmt.Errorf("save %s %s: unknown kind of configuration", kind, id)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := lockedConfig(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if !accepts(cur) {
			return desk.ErrChanged
		}
		switch kind {
		case desk.ConfigPerson:
			return putPersonTx(ctx, tx, v.(*svcflow.Person), event)
		case desk.ConfigRule:
			return putRuleTx(ctx, tx, id, data, event)
		}
		return putJSONTx(ctx, tx, where[0], id, data, event)
	})
}

// slaInputs are the tables whose rows decide SLA due times: a change to
// one voids every item's SLA schedule (desk.SLASchedule).
var slaInputs = map[string]bool{"sla_policies": true, "calendars": true, "organisations": true}

func listJSON[T any](ctx context.Context, s *Store, table, order string) ([]*T, error) {
	rows, err := s.pool.Query(ctx, `SELECT data FROM `+table+` ORDER BY `+order)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("list %s: %w", table, err)
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", table, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	return out, nil
}

// PutOrganisation saves an organisation.
func (s *Store) PutOrganisation(ctx context.Context, o *svcflow.Organisation, e svcflow.Event) error {
	return s.putJSON(ctx, "organisations", o.ID, o, e)
}

// Organisations lists organisations by id.
func (s *Store) Organisations(ctx context.Context) ([]*svcflow.Organisation, error) {
	return listJSON[svcflow.Organisation](ctx, s, "organisations", "id")
}

// PutTeam saves a team.
func (s *Store) PutTeam(ctx context.Context, t *svcflow.Team, e svcflow.Event) error {
	return s.putJSON(ctx, "teams", t.ID, t, e)
}

// Teams lists teams by id.
func (s *Store) Teams(ctx context.Context) ([]*svcflow.Team, error) {
	return listJSON[svcflow.Team](ctx, s, "teams", "id")
}

// PutService saves a service and its catalogue.
func (s *Store) PutService(ctx context.Context, sv *svcflow.Service, e svcflow.Event) error {
	return s.putJSON(ctx, "services", sv.ID, sv, e)
}

// Services lists services by id.
func (s *Store) Services(ctx context.Context) ([]*svcflow.Service, error) {
	return listJSON[svcflow.Service](ctx, s, "services", "id")
}

// upsertPerson writes a person inside tx; the unique index on lower(email)
// turns an email already used by another person into a unique violation.
func upsertPerson(ctx context.Context, tx pgx.Tx, p *svcflow.Person) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode person %s: %w", p.ID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO people (id, email, data) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email, data = excluded.data`, p.ID, p.Email, string(data))
	return err
}

// PutPerson saves a person; an email already used by another person is a conflict.
func (s *Store) PutPerson(ctx context.Context, p *svcflow.Person, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return putPersonTx(ctx, tx, p, e) })
}

func putPersonTx(ctx context.Context, tx pgx.Tx, p *svcflow.Person, e svcflow.Event) error {
	err := upsertPerson(ctx, tx, p)
	if isUniqueViolation(err) {
		return desk.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save person %s: %w", p.ID, err)
	}
	return appendConfigEvent(ctx, tx, e)
}

func (s *Store) personWhere(ctx context.Context, cond, v string) (*svcflow.Person, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM people WHERE `+cond, v).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load person: %w", err)
	}
	var p svcflow.Person
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("decode person: %w", err)
	}
	return &p, nil
}

// Person loads a person by id.
func (s *Store) Person(ctx context.Context, id string) (*svcflow.Person, error) {
	return s.personWhere(ctx, `id = $1`, id)
}

// PersonByEmail loads a person by email, ignoring case (through the
// people_email index on lower(email)).
func (s *Store) PersonByEmail(ctx context.Context, email string) (*svcflow.Person, error) {
	return s.personWhere(ctx, `lower(email) = lower($1)`, email)
}

// People lists people by id.
func (s *Store) People(ctx context.Context) ([]*svcflow.Person, error) {
	return listJSON[svcflow.Person](ctx, s, "people", "id")
}

// PutStream stores a stream revision unless it is there already. Two
// instances registering the same revision at once both succeed: the
// insert that loses the race does nothing and then compares digests with
// the row the winner committed.
func (s *Store) PutStream(ctx context.Context, st desk.StoredStream, e svcflow.Event) (bool, error) {
	def, err := json.Marshal(st.Stream)
	if err != nil {
		return false, fmt.Errorf("encode stream %s: %w", st.Stream.ID, err)
	}
	created := false
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO streams (id, revision, digest, definition, registered_ns) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id, revision) DO NOTHING`,
			st.Stream.ID, st.Stream.Revision, st.Digest, string(def), st.Registered.UnixNano())
		if err != nil {
			return fmt.Errorf("save stream %s: %w", st.Stream.ID, err)
		}
		if tag.RowsAffected() == 0 {
			var digest string
			if err := tx.QueryRow(ctx, `SELECT digest FROM streams WHERE id = $1 AND revision = $2`, st.Stream.ID, st.Stream.Revision).Scan(&digest); err != nil {
				return fmt.Errorf("load stream %s: %w", st.Stream.ID, err)
			}
			if digest != st.Digest {
				return desk.ErrConflict
			}
			return nil
		}
		created = true
		return appendConfigEvent(ctx, tx, e)
	})
	return created, err
}

// StreamRevision loads one revision of a stream.
func (s *Store) StreamRevision(ctx context.Context, id string, revision int) (*svcflow.ValueStream, error) {
	var def []byte
	err := s.pool.QueryRow(ctx, `SELECT definition FROM streams WHERE id = $1 AND revision = $2`, id, revision).Scan(&def)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load stream %s@%d: %w", id, revision, err)
	}
	var vs svcflow.ValueStream
	if err := json.Unmarshal(def, &vs); err != nil {
		return nil, fmt.Errorf("decode stream %s@%d: %w", id, revision, err)
	}
	return &vs, nil
}

// LatestStreams loads the highest revision of every stream, by id.
func (s *Store) LatestStreams(ctx context.Context) ([]*svcflow.ValueStream, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (id) definition FROM streams ORDER BY id, revision DESC`)
	if err != nil {
		return nil, fmt.Errorf("load streams: %w", err)
	}
	defer rows.Close()
	var out []*svcflow.ValueStream
	for rows.Next() {
		var def []byte
		if err := rows.Scan(&def); err != nil {
			return nil, fmt.Errorf("load streams: %w", err)
		}
		var vs svcflow.ValueStream
		if err := json.Unmarshal(def, &vs); err != nil {
			return nil, fmt.Errorf("decode stream: %w", err)
		}
		out = append(out, &vs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load streams: %w", err)
	}
	return out, nil
}

// PutCalendar saves a business calendar.
func (s *Store) PutCalendar(ctx context.Context, c *svcflow.Calendar, e svcflow.Event) error {
	return s.putJSON(ctx, "calendars", c.ID, c, e)
}

// Calendars lists business calendars by id.
func (s *Store) Calendars(ctx context.Context) ([]*svcflow.Calendar, error) {
	return listJSON[svcflow.Calendar](ctx, s, "calendars", "id")
}

// PutSLAPolicy saves an SLA policy.
func (s *Store) PutSLAPolicy(ctx context.Context, p *svcflow.SLAPolicy, e svcflow.Event) error {
	return s.putJSON(ctx, "sla_policies", p.ID, p, e)
}

// SLAPolicies lists SLA policies by id.
func (s *Store) SLAPolicies(ctx context.Context) ([]*svcflow.SLAPolicy, error) {
	return listJSON[svcflow.SLAPolicy](ctx, s, "sla_policies", "id")
}
