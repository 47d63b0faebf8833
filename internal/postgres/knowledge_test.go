package postgres_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/postgres"
	"github.com/svcflow/svcflow/internal/storetest"
)

// FuzzArticleSearch: no text breaks the tsquery of an article search.
func FuzzArticleSearch(f *testing.F) {
	url := os.Getenv("SVCFLOW_TEST_DB")
	if url == "" {
		if os.Getenv("SVCFLOW_REQUIRE_ALL") == "1" {
			f.Fatal("SVCFLOW_TEST_DB is not set: PostgreSQL tests cannot run")
		}
		f.Skip("SVCFLOW_TEST_DB is not set")
	}
	ctx := context.Background()
	schema := "svcflow_test_" + strings.ToLower(rand.Text())
	f.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, url); err == nil {
			conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			conn.Close(ctx)
		}
	})
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
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
