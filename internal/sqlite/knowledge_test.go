package sqlite_test

import (
	"context"
	"testing"

	"github.com/svcflow/svcflow/internal/sqlite"
	"github.com/svcflow/svcflow/internal/storetest"
)

// FuzzArticleSearch: no text breaks the FTS5 query of an article search.
func FuzzArticleSearch(f *testing.F) {
	s, err := sqlite.Open(context.Background(), f.TempDir(), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	storetest.SeedArticles(f, s)
	for _, q := range storetest.SearchSeeds {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, text string) { storetest.CheckArticleSearch(t, s, text) })
}
