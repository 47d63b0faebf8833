package desk

import (
	"context"

	"github.com/svcflow/svcflow"
)

// BulkItem is a new work item with its whole history, for BulkLoad: the
// state its events fold to, its free text and the comment rows its
// comment_added events reference.
type BulkItem struct {
	Item     *svcflow.WorkItem
	Events   []svcflow.Event // versions 1 to Item.Version
	Content  Content
	Comments []Comment
}

// BulkLoader is implemented by stores that can write many new work items
// in large transactions, for loading history at scale (a generated data
// set, a migration). BulkLoad writes what an Append of each item's events
// would write: the item row, its content and search row, watchers,
// configuration item links, comments (public ones indexed for search) and
// the events, with Seq assigned in the order given; all of it, or nothing.
// It moves the "item" and "comment" counters past every number the batch
// uses, so NextNumber never hands out one that exists. An item that exists
// already fails the whole batch with ErrConflict.
//
// BulkDone refreshes the planner statistics after the last batch, so that
// the queries plan for the data as loaded.
type BulkLoader interface {
	BulkLoad(ctx context.Context, items []BulkItem) error
	BulkDone(ctx context.Context) error
}
