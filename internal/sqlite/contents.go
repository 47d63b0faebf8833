package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// ItemContents loads the free text of many items in one query, for lists;
// items without content are absent from the map.
func (s *Store) ItemContents(ctx context.Context, ids []string) (map[string]desk.Content, error) {
	out := make(map[string]desk.Content, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.read.QueryContext(ctx, `SELECT item, title, description, form FROM item_content WHERE item IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load contents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c desk.Content
		var form []byte
		if err := rows.Scan(&id, &c.Title, &c.Description, &form); err != nil {
			return nil, fmt.Errorf("load contents: %w", err)
		}
		if len(form) > 2 {
			if err := json.Unmarshal(form, &c.Form); err != nil {
				return nil, fmt.Errorf("decode form of %s: %w", id, err)
			}
		}
		out[id] = c
	}
	return out, rows.Err()
}

// ItemView loads an item and its free text in one query.
func (s *Store) ItemView(ctx context.Context, id string) (*svcflow.WorkItem, desk.Content, error) {
	var state, form []byte
	var c desk.Content
	err := s.readRow(ctx, `SELECT i.state, c.title, c.description, c.form FROM items i JOIN item_content c ON c.item = i.id WHERE i.id = ?`, id).
		Scan(&state, &c.Title, &c.Description, &form)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, c, desk.ErrNotFound
	}
	if err != nil {
		return nil, c, fmt.Errorf("load item %s: %w", id, err)
	}
	if len(form) > 2 {
		if err := json.Unmarshal(form, &c.Form); err != nil {
			return nil, c, fmt.Errorf("decode form of %s: %w", id, err)
		}
	}
	w, err := decodeItem(state)
	return w, c, err
}
