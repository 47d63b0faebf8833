package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// BenchmarkArticleSearch times a suggestion-style search (any word, most
// relevant first, published only) over 5,000 articles.
func BenchmarkArticleSearch(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	author := &svcflow.Person{ID: "kim", Name: "Kim", Email: "kim@example.org", Role: svcflow.RoleManager}
	if err := d.SavePerson(ctx, nil, author); err != nil {
		b.Fatal(err)
	}
	topics := []string{"VPN", "Outlook", "printer", "Wi-Fi", "password", "laptop", "till", "calendar", "badge", "CRM"}
	faults := []string{"disconnects", "asks for the password", "prints blank pages", "is slow", "will not start", "shows an error"}
	for i := range 5000 {
		title := fmt.Sprintf("%s %s (case %d)", topics[i%len(topics)], faults[i%len(faults)], i)
		res := fmt.Sprintf("Restart the %s, clear its cache, and sign in again; article %d.", topics[i%len(topics)], i)
		a, err := d.CreateArticle(ctx, author, desk.ArticlePatch{Title: &title, Resolution: &res})
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := d.SetArticleStatus(ctx, author, a.ID, a.Version, svcflow.ArticlePublished); err != nil {
				b.Fatal(err)
			}
		}
	}
	f := desk.ArticleFilter{Text: "my vpn keeps disconnecting from home", Any: true,
		Statuses: []svcflow.ArticleStatus{svcflow.ArticlePublished}, Limit: 5}
	for b.Loop() {
		list, err := s.SearchArticles(ctx, f)
		if err != nil || len(list) == 0 {
			b.Fatalf("%d results, %v", len(list), err)
		}
	}
}
