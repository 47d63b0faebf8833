package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// PutArticle saves an article, its revision, its event and the item
// changes that go with it in one transaction.
func (s *Store) PutArticle(ctx context.Context, w desk.ArticleWrite) error {
	a := w.Article
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	rev, err := json.Marshal(w.Revision)
	if err != nil {
		return fmt.Errorf("encode revision of %s: %w", a.ID, err)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The events lock first, before any row, as appends take it.
		if err := lockEvents(ctx, tx); err != nil {
			return err
		}
		if w.Expected == 0 {
			_, err := tx.Exec(ctx, `INSERT INTO articles (id, num, version, status, updated_ns, data) VALUES ($1, $2, $3, $4, $5, $6)`,
				a.ID, itemNumber(a.ID), a.Version, string(a.Status), a.Updated.UnixNano(), string(data))
			if isUniqueViolation(err) {
				return desk.ErrConflict
			}
			if err != nil {
				return fmt.Errorf("insert article %s: %w", a.ID, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO article_search (article) VALUES ($1)`, a.ID); err != nil {
				return fmt.Errorf("index article %s: %w", a.ID, err)
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE articles SET version = $1, status = $2, updated_ns = $3, data = $4 WHERE id = $5 AND version = $6`,
				a.Version, string(a.Status), a.Updated.UnixNano(), string(data), a.ID, w.Expected)
			if err != nil {
				return fmt.Errorf("update article %s: %w", a.ID, err)
			}
			if tag.RowsAffected() != 1 {
				return desk.ErrConflict
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE article_search SET title = $1, keywords = $2, symptoms = $3, cause = $4, resolution = $5, workaround = $6 WHERE article = $7`,
			a.Title, strings.Join(a.Keywords, " "), a.Symptoms, a.Cause, a.Resolution, a.Workaround, a.ID); err != nil {
			return fmt.Errorf("index article %s: %w", a.ID, err)
		}
		for _, q := range []string{`DELETE FROM article_services WHERE article = $1`, `DELETE FROM article_cis WHERE article = $1`} {
			if _, err := tx.Exec(ctx, q, a.ID); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		for _, sv := range a.Services {
			if _, err := tx.Exec(ctx, `INSERT INTO article_services (article, service) VALUES ($1, $2) ON CONFLICT DO NOTHING`, a.ID, sv); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		for _, ci := range a.CIs {
			if _, err := tx.Exec(ctx, `INSERT INTO article_cis (article, ci) VALUES ($1, $2) ON CONFLICT DO NOTHING`, a.ID, ci); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO article_revisions (article, revision, data) VALUES ($1, $2, $3)`, a.ID, w.Revision.Revision, string(rev))
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("save revision of %s: %w", a.ID, err)
		}
		if len(w.Items) > 0 {
			b := &pgx.Batch{}
			if err := queueChanges(b, w.Items); err != nil {
				return err
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				if isUniqueViolation(err) {
					return desk.ErrConflict
				}
				return err
			}
		}
		return appendConfigEvent(ctx, tx, w.Event)
	})
}

// Article loads one article.
func (s *Store) Article(ctx context.Context, id string) (*svcflow.Article, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM articles WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load article %s: %w", id, err)
	}
	var a svcflow.Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decode article %s: %w", id, err)
	}
	return &a, nil
}

// ArticleRevisions lists an article's revisions, oldest first.
func (s *Store) ArticleRevisions(ctx context.Context, id string) ([]svcflow.ArticleRevision, error) {
	rows, err := s.pool.Query(ctx, `SELECT data FROM article_revisions WHERE article = $1 ORDER BY revision`, id)
	if err != nil {
		return nil, fmt.Errorf("revisions of %s: %w", id, err)
	}
	defer rows.Close()
	out := []svcflow.ArticleRevision{}
	for rows.Next() {
		var data []byte
		var r svcflow.ArticleRevision
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("decode revision of %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SearchArticles finds articles, ranked by ts_rank over the weighted
// document.
func (s *Store) SearchArticles(ctx context.Context, f desk.ArticleFilter) ([]*svcflow.Article, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	from := `articles a`
	order := `a.updated_ns DESC, a.num DESC`
	if strings.TrimSpace(f.Text) != "" {
		q := tsArticleQuery(f.Text, f.Any)
		if q == "" {
			return []*svcflow.Article{}, nil // no word to look for matches nothing, as in SQLite
		}
		from = `article_search x JOIN articles a ON a.id = x.article`
		p := arg(q)
		where = append(where, `x.doc @@ to_tsquery('simple', `+p+`)`)
		order = `ts_rank(x.doc, to_tsquery('simple', ` + p + `)) DESC, a.num DESC`
	}
	if len(f.Statuses) > 0 {
		sts := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = string(st)
		}
		where = append(where, `a.status = ANY(`+arg(sts)+`)`)
	}
	if f.Service != "" {
		where = append(where, `a.id IN (SELECT article FROM article_services WHERE service = `+arg(f.Service)+`)`)
	}
	if f.CI != "" {
		where = append(where, `a.id IN (SELECT article FROM article_cis WHERE ci = `+arg(f.CI)+`)`)
	}
	q := `SELECT a.data FROM ` + from
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY ` + order + ` LIMIT ` + arg(f.Limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	defer rows.Close()
	out := []*svcflow.Article{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var a svcflow.Article
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, fmt.Errorf("decode article: %w", err)
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// tsArticleQuery is tsQuery, with the words joined by "or" when any
// matching word is enough.
func tsArticleQuery(text string, any bool) string {
	if !any {
		return tsQuery(text)
	}
	var words []string
	for _, f := range strings.Fields(text) {
		if w := tsQuery(f); w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " | ")
}

// PutSuggestionSession records a suggestion session with its event.
func (s *Store) PutSuggestionSession(ctx context.Context, ss desk.SuggestionSession, e svcflow.Event) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO suggestion_sessions (id, actor, created_ns, data) VALUES ($1, $2, $3, $4)`, ss.ID, ss.Actor, ss.Created.UnixNano(), string(data))
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("record suggestion session: %w", err)
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

// SuggestionSession loads one session.
func (s *Store) SuggestionSession(ctx context.Context, id string) (desk.SuggestionSession, error) {
	var data []byte
	var deflected string
	var ss desk.SuggestionSession
	err := s.pool.QueryRow(ctx, `SELECT data, deflected FROM suggestion_sessions WHERE id = $1`, id).Scan(&data, &deflected)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, desk.ErrNotFound
	}
	if err != nil {
		return ss, fmt.Errorf("load suggestion session: %w", err)
	}
	if err := json.Unmarshal(data, &ss); err != nil {
		return ss, fmt.Errorf("decode suggestion session: %w", err)
	}
	ss.Deflected = deflected
	return ss, nil
}

// Deflect marks a session solved, once, with its event.
func (s *Store) Deflect(ctx context.Context, session, article string, _ time.Time, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE suggestion_sessions SET deflected = $1 WHERE id = $2 AND deflected = ''`, article, session)
		if err != nil {
			return fmt.Errorf("deflect %s: %w", session, err)
		}
		if tag.RowsAffected() != 1 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM suggestion_sessions WHERE id = $1`, session).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
				return desk.ErrNotFound
			}
			return desk.ErrConflict
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

// KnowledgeEvents returns the knowledge events since a time. The subject
// and type are literals in the queries below so that the planner can use
// the partial indexes of migration 0009.
func (s *Store) KnowledgeEvents(ctx context.Context, since time.Time) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE subject = 'knowledge' AND time_ns >= $1 ORDER BY seq`, sinceNS(since))
}

// SessionSubmissions returns the created events since a time that name a
// suggestion session.
func (s *Store) SessionSubmissions(ctx context.Context, since time.Time) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE type = 'created' AND data LIKE '%"session":%'
		AND time_ns >= $1 AND coalesce(data::jsonb->>'session', '') <> '' ORDER BY time_ns, seq`, sinceNS(since))
}

func sinceNS(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 63
	}
	return t.UnixNano()
}
