package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	return s.tx(ctx, func(tx *sql.Tx) error {
		if w.Expected == 0 {
			_, err := tx.ExecContext(ctx, `INSERT INTO articles (id, num, version, status, updated_ns, data) VALUES (?, ?, ?, ?, ?, ?)`,
				a.ID, itemNumber(a.ID), a.Version, a.Status, a.Updated.UnixNano(), data)
			if isUniqueViolation(err) {
				return desk.ErrConflict
			}
			if err != nil {
				return fmt.Errorf("insert article %s: %w", a.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO article_search (article, title, keywords, symptoms, cause, resolution, workaround) VALUES (?, '', '', '', '', '', '')`, a.ID); err != nil {
				return fmt.Errorf("index article %s: %w", a.ID, err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE articles SET version = ?, status = ?, updated_ns = ?, data = ? WHERE id = ? AND version = ?`,
				a.Version, a.Status, a.Updated.UnixNano(), data, a.ID, w.Expected)
			if err != nil {
				return fmt.Errorf("update article %s: %w", a.ID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return desk.ErrConflict
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE article_search SET title = ?, keywords = ?, symptoms = ?, cause = ?, resolution = ?, workaround = ? WHERE article = ?`,
			a.Title, strings.Join(a.Keywords, " "), a.Symptoms, a.Cause, a.Resolution, a.Workaround, a.ID); err != nil {
			return fmt.Errorf("index article %s: %w", a.ID, err)
		}
		for _, q := range []string{`DELETE FROM article_services WHERE article = ?`, `DELETE FROM article_cis WHERE article = ?`} {
			if _, err := tx.ExecContext(ctx, q, a.ID); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		for _, sv := range a.Services {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_services (article, service) VALUES (?, ?)`, a.ID, sv); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		for _, ci := range a.CIs {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_cis (article, ci) VALUES (?, ?)`, a.ID, ci); err != nil {
				return fmt.Errorf("save article %s: %w", a.ID, err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO article_revisions (article, revision, data) VALUES (?, ?, ?)`, a.ID, w.Revision.Revision, rev)
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("save revision of %s: %w", a.ID, err)
		}
		if err := s.appendChanges(ctx, tx, w.Items); err != nil {
			return err
		}
		return s.appendConfigEvent(ctx, tx, w.Event)
	})
}

// Article loads one article.
func (s *Store) Article(ctx context.Context, id string) (*svcflow.Article, error) {
	var data []byte
	err := s.readRow(ctx, `SELECT data FROM articles WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.read.QueryContext(ctx, `SELECT data FROM article_revisions WHERE article = ? ORDER BY revision`, id)
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

// SearchArticles finds articles, ranked by bm25 with the title and
// keywords weighing most.
func (s *Store) SearchArticles(ctx context.Context, f desk.ArticleFilter) ([]*svcflow.Article, error) {
	var where []string
	var args []any
	from := `articles a`
	order := `a.updated_ns DESC, a.num DESC`
	if fq := ftsArticleQuery(f.Text, f.Any); fq != "" {
		from = `article_search JOIN articles a ON a.id = article_search.article`
		where = append(where, `article_search MATCH ?`)
		args = append(args, fq)
		order = `bm25(article_search, 0, 8, 6, 4, 1, 2, 2), a.num DESC`
	} else if strings.TrimSpace(f.Text) != "" {
		return []*svcflow.Article{}, nil // only punctuation: nothing can match
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, `a.status IN (`+strings.Join(ph, ", ")+`)`)
	}
	if f.Service != "" {
		where = append(where, `a.id IN (SELECT article FROM article_services WHERE service = ?)`)
		args = append(args, f.Service)
	}
	if f.CI != "" {
		where = append(where, `a.id IN (SELECT article FROM article_cis WHERE ci = ?)`)
		args = append(args, f.CI)
	}
	q := `SELECT a.data FROM ` + from
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
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

// ftsArticleQuery turns user text into an FTS5 query of quoted prefix
// terms, so no character of it acts as query syntax. Words are tokenised
// as FTS5's unicode61 does (letters and digits; everything else
// separates), so a word made of punctuation adds nothing. With any, one
// matching word is enough.
func ftsArticleQuery(text string, any bool) string {
	var terms []string
	for _, f := range strings.Fields(text) {
		if !hasWordChar(f) {
			continue
		}
		terms = append(terms, `"`+strings.ReplaceAll(f, `"`, `""`)+`"*`)
	}
	sep := " "
	if any {
		sep = " OR "
	}
	return strings.Join(terms, sep)
}

func hasWordChar(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 {
			return true
		}
	}
	return false
}

// PutSuggestionSession records a suggestion session with its event.
func (s *Store) PutSuggestionSession(ctx context.Context, ss desk.SuggestionSession, e svcflow.Event) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO suggestion_sessions (id, actor, created_ns, data) VALUES (?, ?, ?, ?)`, ss.ID, ss.Actor, ss.Created.UnixNano(), data)
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("record suggestion session: %w", err)
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// SuggestionSession loads one session.
func (s *Store) SuggestionSession(ctx context.Context, id string) (desk.SuggestionSession, error) {
	var data []byte
	var deflected string
	var ss desk.SuggestionSession
	err := s.readRow(ctx, `SELECT data, deflected FROM suggestion_sessions WHERE id = ?`, id).Scan(&data, &deflected)
	if errors.Is(err, sql.ErrNoRows) {
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
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE suggestion_sessions SET deflected = ? WHERE id = ? AND deflected = ''`, article, session)
		if err != nil {
			return fmt.Errorf("deflect %s: %w", session, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM suggestion_sessions WHERE id = ?`, session).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return desk.ErrNotFound
			}
			return desk.ErrConflict
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// KnowledgeEvents returns the knowledge events since a time. The subject
// and type are literals in the queries below so that SQLite uses the
// partial indexes of migration 0009.
func (s *Store) KnowledgeEvents(ctx context.Context, since time.Time) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data
		FROM events WHERE subject = 'knowledge' AND time_ns >= ? ORDER BY seq`, sinceNS(since))
}

// SessionSubmissions returns the created events since a time that name a
// suggestion session.
func (s *Store) SessionSubmissions(ctx context.Context, since time.Time) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data
		FROM events WHERE type = 'created' AND json_extract(data, '$.session') IS NOT NULL AND time_ns >= ? ORDER BY time_ns, seq`,
		sinceNS(since))
}

func sinceNS(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 63
	}
	return t.UnixNano()
}
