package svcflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

func TestValidateArticle(t *testing.T) {
	ok := func() *svcflow.Article {
		return &svcflow.Article{Title: "VPN drops", Resolution: "Update the client", Status: svcflow.ArticleDraft}
	}
	tests := []struct {
		name   string
		change func(a *svcflow.Article)
		fields []string // the fields named, in order; none for a valid article
	}{
		{"valid", func(a *svcflow.Article) {}, nil},
		{"workaround only", func(a *svcflow.Article) { a.Resolution, a.Workaround = "", "Reconnect" }, nil},
		{"no title", func(a *svcflow.Article) { a.Title = "  " }, []string{"title"}},
		{"long title", func(a *svcflow.Article) { a.Title = strings.Repeat("x", 301) }, []string{"title"}},
		{"nothing to do", func(a *svcflow.Article) { a.Resolution = "" }, []string{"resolution"}},
		{"bad text", func(a *svcflow.Article) { a.Symptoms, a.Cause = "\xff", "a\x00b" }, []string{"symptoms", "cause"}},
		{"bad service", func(a *svcflow.Article) { a.Services = []string{"E Mail", "email", "email"} }, []string{"services", "services"}},
		{"bad ci", func(a *svcflow.Article) { a.CIs = []string{"DB_01"} }, []string{"cis"}},
		{"bad keyword", func(a *svcflow.Article) { a.Keywords = []string{"", "a,b", strings.Repeat("k", 51)} }, []string{"keywords", "keywords", "keywords"}},
		{"too many keywords", func(a *svcflow.Article) { a.Keywords = strings.Fields(strings.Repeat("k ", 21)) }, []string{"keywords"}},
		{"bad status", func(a *svcflow.Article) { a.Status = "live" }, []string{"status"}},
		{"problems without known error", func(a *svcflow.Article) { a.Problems = []string{"PRB-1001"} }, []string{"known_error"}},
		{"bad problem", func(a *svcflow.Article) { a.KnownError, a.Problems = true, []string{"prb 1", "PRB-1", "PRB-1"} }, []string{"problems", "problems"}},
		{"bad source", func(a *svcflow.Article) { a.SourceItem = "yesterday's call" }, []string{"source_item"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok()
			tt.change(a)
			err := svcflow.ValidateArticle(a)
			var got []string
			for _, e := range unwrapAll(err) {
				var se *svcflow.Error
				if !errors.As(e, &se) || se.Code != svcflow.ErrInvalid || se.Message == "" {
					t.Fatalf("not an invalid field error: %#v", e)
				}
				got = append(got, se.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestArticleStatusChanges(t *testing.T) {
	tests := []struct {
		from, to svcflow.ArticleStatus
		ok       bool
	}{
		{svcflow.ArticleDraft, svcflow.ArticlePublished, true},
		{svcflow.ArticleDraft, svcflow.ArticleRetired, true},
		{svcflow.ArticlePublished, svcflow.ArticleRetired, true},
		{svcflow.ArticleRetired, svcflow.ArticlePublished, true},
		{svcflow.ArticlePublished, svcflow.ArticleDraft, false},
		{svcflow.ArticlePublished, svcflow.ArticlePublished, false},
		{svcflow.ArticleRetired, svcflow.ArticleDraft, false},
	}
	for _, tt := range tests {
		a := &svcflow.Article{ID: "KB-1", Status: tt.from}
		err := a.StatusChange(tt.to)
		if (err == nil) != tt.ok || err != nil && svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
			t.Errorf("%s → %s: %v, want ok %v", tt.from, tt.to, err, tt.ok)
		}
	}
}
