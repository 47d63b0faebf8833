package demo

import (
	"context"
	"fmt"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// publishArticles writes and publishes the demo's knowledge base, as a
// member of the knowledge team.
func publishArticles(ctx context.Context, d *desk.Desk, author *svcflow.Person) error {
	for _, a := range articles {
		services := []string{a.service}
		p := desk.ArticlePatch{Title: &a.title, Symptoms: &a.symptoms, Cause: &a.cause, Services: &services, KnownError: &a.knownError}
		if a.resolution != "" {
			p.Resolution = &a.resolution
		}
		if a.workaround != "" {
			p.Workaround = &a.workaround
		}
		art, err := d.CreateArticle(ctx, author, p)
		if err != nil {
			return fmt.Errorf("demo: write article %q: %w", a.title, err)
		}
		if _, err := d.SetArticleStatus(ctx, author, art.ID, art.Version, svcflow.ArticlePublished); err != nil {
			return fmt.Errorf("demo: publish %s: %w", art.ID, err)
		}
	}
	return nil
}
