package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// putJSON upserts a row of a JSON-document table with its config event.
func (s *Store) putJSON(ctx context.Context, table, id string, v any, event svcflow.Event) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.putJSONTx(ctx, tx, table, id, data, event) })
}

func (s *Store) putJSONTx(ctx context.Context, tx *sql.Tx, table, id string, data []byte, event svcflow.Event) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, id, data); err != nil {
		return fmt.Errorf("save %s %s: %w", table, id, err)
	}
	if slaInputs[table] {
		// The generation first: its row lock makes a concurrent save of
		// schedules wait, then see the new generation and save nothing.
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'sla_generation'`); err != nil {
			return fmt.Errorf("move the SLA generation on: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sla_schedule`); err != nil {
			return fmt.Errorf("clear the SLA schedule: %w", err)
		}
	}
	return s.appendConfigEvent(ctx, tx, event)
}

// configTables are where each kind of configuration object is kept, and
// the column holding its JSON.
var configTables = map[desk.ConfigKind][2]string{
	desk.ConfigPerson: {"people", "data"}, desk.ConfigTeam: {"teams", "data"}, desk.ConfigOrganisation: {"organisations", "data"},
	desk.ConfigService: {"services", "data"}, desk.ConfigSLAPolicy: {"sla_policies", "data"}, desk.ConfigRule: {"rules", "definition"},
}

// storedConfig reads a configuration object's JSON inside tx (nil when
// there is none).
func storedConfig(ctx context.Context, tx *sql.Tx, kind desk.ConfigKind, id string) ([]byte, error) {
	where, ok := configTables[kind]
	if !ok {
		return nil, fmt.Errorf("save %s %s: unknown kind of configuration", kind, id)
	}
	var stored []byte
	err := tx.QueryRowContext(ctx, `SELECT `+where[1]+` FROM `+where[0]+` WHERE id = ?`, id).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load %s %s: %w", kind, id, err)
	}
	return stored, nil
}

// PutConfigIf saves a configuration object when accepts takes the one
// stored now; the store's single writer makes the look and the save one
// step.
func (s *Store) PutConfigIf(ctx context.Context, kind desk.ConfigKind, id string, v any, accepts func([]byte) bool, event svcflow.Event) error {
	where, ok := configTables[kind]
	if !ok {
		return fmt.Errorf("save %s %s: unknown kind of configuration", kind, id)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		stored, err := storedConfig(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if !accepts(stored) {
			return desk.ErrChanged
		}
		switch kind {
		case desk.ConfigPerson:
			return s.putPersonTx(ctx, tx, v.(*svcflow.Person), data, event)
		case desk.ConfigRule:
			return s.putRuleTx(ctx, tx, id, data, event)
		}
		return s.putJSONTx(ctx, tx, where[0], id, data, event)
	})
}

// slaInputs are the tables whose rows decide SLA due times: a change to
// one voids every item's SLA schedule (desk.SLASchedule).
var slaInputs = map[string]bool{"sla_policies": true, "calendars": true, "organisations": true}

func listJSON[T any](ctx context.Context, db *sql.DB, table, order string) ([]*T, error) {
	rows, err := db.QueryContext(ctx, `SELECT data FROM `+table+` ORDER BY `+order)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", table, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PutOrganisation saves an organisation.
func (s *Store) PutOrganisation(ctx context.Context, o *svcflow.Organisation, e svcflow.Event) error {
	return s.putJSON(ctx, "organisations", o.ID, o, e)
}

// Organisations lists organisations by id.
func (s *Store) Organisations(ctx context.Context) ([]*svcflow.Organisation, error) {
	return listJSON[svcflow.Organisation](ctx, s.read, "organisations", "id")
}

// PutTeam saves a team.
func (s *Store) PutTeam(ctx context.Context, t *svcflow.Team, e svcflow.Event) error {
	return s.putJSON(ctx, "teams", t.ID, t, e)
}

// Teams lists teams by id.
func (s *Store) Teams(ctx context.Context) ([]*svcflow.Team, error) {
	return listJSON[svcflow.Team](ctx, s.read, "teams", "id")
}

// PutService saves a service and its catalogue.
func (s *Store) PutService(ctx context.Context, sv *svcflow.Service, e svcflow.Event) error {
	return s.putJSON(ctx, "services", sv.ID, sv, e)
}

// Services lists services by id.
func (s *Store) Services(ctx context.Context) ([]*svcflow.Service, error) {
	return listJSON[svcflow.Service](ctx, s.read, "services", "id")
}

// PutPerson saves a person; an email already used by another person is a conflict.
func (s *Store) PutPerson(ctx context.Context, p *svcflow.Person, e svcflow.Event) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.putPersonTx(ctx, tx, p, data, e) })
}

func (s *Store) putPersonTx(ctx context.Context, tx *sql.Tx, p *svcflow.Person, data []byte, e svcflow.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, data) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email, data = excluded.data`, p.ID, p.Email, data)
	if isUniqueViolation(err) {
		return desk.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save person %s: %w", p.ID, err)
	}
	return s.appendConfigEvent(ctx, tx, e)
}

func (s *Store) personWhere(ctx context.Context, col, v string) (*svcflow.Person, error) {
	var data []byte
	err := s.readRow(ctx, `SELECT data FROM people WHERE `+col+` = ?`, v).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
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
	return s.personWhere(ctx, "id", id)
}

// PersonByEmail loads a person by email, ignoring case.
func (s *Store) PersonByEmail(ctx context.Context, email string) (*svcflow.Person, error) {
	return s.personWhere(ctx, "email", email)
}

// People lists people by id.
func (s *Store) People(ctx context.Context) ([]*svcflow.Person, error) {
	return listJSON[svcflow.Person](ctx, s.read, "people", "id")
}

// PutStream stores a stream revision unless it is there already.
func (s *Store) PutStream(ctx context.Context, st desk.StoredStream, e svcflow.Event) (bool, error) {
	def, err := json.Marshal(st.Stream)
	if err != nil {
		return false, err
	}
	created := false
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var digest string
		err := tx.QueryRowContext(ctx, `SELECT digest FROM streams WHERE id = ? AND revision = ?`, st.Stream.ID, st.Stream.Revision).Scan(&digest)
		switch {
		case err == nil && digest == st.Digest:
			return nil
		case err == nil:
			return desk.ErrConflict
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("load stream %s: %w", st.Stream.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO streams (id, revision, digest, definition, registered_ns) VALUES (?, ?, ?, ?, ?)`,
			st.Stream.ID, st.Stream.Revision, st.Digest, def, st.Registered.UnixNano()); err != nil {
			return fmt.Errorf("save stream %s: %w", st.Stream.ID, err)
		}
		created = true
		return s.appendConfigEvent(ctx, tx, e)
	})
	return created, err
}

// StreamRevision loads one revision of a stream.
func (s *Store) StreamRevision(ctx context.Context, id string, revision int) (*svcflow.ValueStream, error) {
	var def []byte
	err := s.readRow(ctx, `SELECT definition FROM streams WHERE id = ? AND revision = ?`, id, revision).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.read.QueryContext(ctx, `SELECT definition FROM streams s WHERE revision = (SELECT max(revision) FROM streams WHERE id = s.id) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("load streams: %w", err)
	}
	defer rows.Close()
	var out []*svcflow.ValueStream
	for rows.Next() {
		var def []byte
		if err := rows.Scan(&def); err != nil {
			return nil, err
		}
		var vs svcflow.ValueStream
		if err := json.Unmarshal(def, &vs); err != nil {
			return nil, fmt.Errorf("decode stream: %w", err)
		}
		out = append(out, &vs)
	}
	return out, rows.Err()
}

// PutCalendar saves a business calendar.
func (s *Store) PutCalendar(ctx context.Context, c *svcflow.Calendar, e svcflow.Event) error {
	return s.putJSON(ctx, "calendars", c.ID, c, e)
}

// Calendars lists business calendars by id.
func (s *Store) Calendars(ctx context.Context) ([]*svcflow.Calendar, error) {
	return listJSON[svcflow.Calendar](ctx, s.read, "calendars", "id")
}

// PutSLAPolicy saves an SLA policy.
func (s *Store) PutSLAPolicy(ctx context.Context, p *svcflow.SLAPolicy, e svcflow.Event) error {
	return s.putJSON(ctx, "sla_policies", p.ID, p, e)
}

// SLAPolicies lists SLA policies by id.
func (s *Store) SLAPolicies(ctx context.Context) ([]*svcflow.SLAPolicy, error) {
	return listJSON[svcflow.SLAPolicy](ctx, s.read, "sla_policies", "id")
}
