package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
