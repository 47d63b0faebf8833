package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

func kbCommands() []subcommand {
	return []subcommand{
		{"list", "kb list [--status S] [--service ID] [--json] [--data DIR | --db URL]", "list articles, newest first", kbList},
		{"search", "kb search QUERY [--status S] [--service ID] [--json] [--data DIR | --db URL]", "search articles, the most relevant first", kbSearch},
		{"show", "kb show ID [--revisions] [--json] [--data DIR | --db URL]", "show an article (and its revisions)", kbShow},
		{"add", "kb add --title T --resolution R [--symptoms S] [--cause C] [--workaround W] [--from-item ID] [--as PERSON]", "write a draft article, or one from a resolved work item", kbAdd},
		{"publish", "kb publish ID [--as PERSON] [--data DIR | --db URL]", "publish an article", kbStatus(svcflow.ArticlePublished)},
		{"retire", "kb retire ID [--as PERSON] [--data DIR | --db URL]", "retire an article", kbStatus(svcflow.ArticleRetired)},
	}
}

// runKB manages the knowledge base in the store: `svcflow kb
// list|search|show|add|publish|retire`.
func runKB(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "kb", kbCommands(), args,
		"Without --as, changes are made by the system, with an admin's rights.")
}

func newKBFlags(e *env, name string) (*flag.FlagSet, *actorFlags) {
	return newActorFlags(e, "kb", kbCommands(), name, "an agent or above")
}

func kbList(ctx context.Context, e *env, args []string) error { return kbFind(ctx, e, "list", args) }

func kbSearch(ctx context.Context, e *env, args []string) error {
	return kbFind(ctx, e, "search", args)
}

func kbFind(ctx context.Context, e *env, name string, args []string) error {
	fs, f := newKBFlags(e, name)
	status := fs.String("status", "", "comma-separated statuses: draft, published, retired")
	service := fs.String("service", "", "only articles about this service `ID`")
	limit := fs.Int("limit", 50, "at most this many articles, 1 to 200")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	filter := desk.ArticleFilter{Service: *service, Limit: *limit}
	switch {
	case name == "search" && len(pos) == 0:
		return usagef("kb search needs a QUERY")
	case name == "search":
		filter.Text = strings.Join(pos, " ")
	case len(pos) > 0:
		return usagef("kb list takes no arguments; use kb search QUERY to search")
	}
	if *limit < 1 || *limit > 200 {
		return usagef("--limit %d; expected 1 to 200", *limit)
	}
	for _, s := range strings.Split(*status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			filter.Statuses = append(filter.Statuses, svcflow.ArticleStatus(s))
		}
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	as, err := d.SearchArticles(ctx, actor, filter)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSONTo(e.stdout, map[string]any{"items": as})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tVERSION\tUPDATED\tTITLE")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", a.ID, a.Status, a.Version, a.Updated.Format("2006-01-02"), a.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(as) == 0 {
		fmt.Fprintln(e.stderr, "no articles")
	}
	return nil
}

func kbShow(ctx context.Context, e *env, args []string) error {
	fs, f := newKBFlags(e, "show")
	revisions := fs.Bool("revisions", false, "show every revision too")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usagef("usage: svcflow kb show ID")
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	a, err := d.Article(ctx, actor, pos[0])
	if err != nil {
		return err
	}
	var revs []svcflow.ArticleRevision
	if *revisions {
		if revs, err = d.ArticleRevisions(ctx, actor, a.ID); err != nil {
			return err
		}
	}
	if f.json {
		if *revisions {
			return writeJSONTo(e.stdout, map[string]any{"article": a, "revisions": revs})
		}
		return writeJSONTo(e.stdout, a)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s  %s\n", a.ID, a.Title)
	fmt.Fprintf(w, "status %s, version %d, by %s, updated %s\n", a.Status, a.Version, a.Author, a.Updated.Format("2006-01-02 15:04 MST"))
	for _, l := range []struct{ k, v string }{
		{"services", strings.Join(a.Services, ", ")}, {"CIs", strings.Join(a.CIs, ", ")}, {"keywords", strings.Join(a.Keywords, ", ")},
		{"problems", strings.Join(a.Problems, ", ")}, {"from", a.SourceItem},
	} {
		if l.v != "" {
			fmt.Fprintf(w, "%s: %s\n", l.k, l.v)
		}
	}
	if a.KnownError {
		fmt.Fprintln(w, "known error")
	}
	for _, sec := range []struct{ k, v string }{{"Symptoms", a.Symptoms}, {"Cause", a.Cause}, {"Resolution", a.Resolution}, {"Workaround", a.Workaround}} {
		if sec.v != "" {
			fmt.Fprintf(w, "\n%s\n%s\n", sec.k, sec.v)
		}
	}
	if len(revs) > 0 {
		fmt.Fprintln(w, "\nRevisions")
		for _, r := range revs {
			fmt.Fprintf(w, "  %d  %s  %s  %s  %s\n", r.Revision, r.Time.Format("2006-01-02 15:04"), r.Editor, r.Status, r.Title)
		}
	}
	return nil
}

func kbAdd(ctx context.Context, e *env, args []string) error {
	fs, f := newKBFlags(e, "add")
	var p desk.ArticlePatch
	text := func(name, usage string) func() *string {
		v := fs.String(name, "", usage)
		return func() *string {
			set := false
			fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
			if !set {
				return nil
			}
			return v
		}
	}
	title := text("title", "the title: what the article solves, in a few words")
	symptoms := text("symptoms", "what people see")
	cause := text("cause", "why it happens")
	resolution := text("resolution", "how to solve it")
	workaround := text("workaround", "how to get past it until it is solved")
	services := fs.String("services", "", "comma-separated service `IDS`")
	cis := fs.String("cis", "", "comma-separated configuration item `IDS`")
	keywords := fs.String("keywords", "", "comma-separated keywords")
	knownError := fs.Bool("known-error", false, "the article documents a known error")
	problems := fs.String("problems", "", "comma-separated problem `IDS` a known error documents")
	from := fs.String("from-item", "", "write it from this resolved work item `ID`, prefilled from its text")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("kb add takes flags only, like --title and --resolution")
	}
	p.Title, p.Symptoms, p.Cause, p.Resolution, p.Workaround = title(), symptoms(), cause(), resolution(), workaround()
	list := func(s string) *[]string {
		var out []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		if out == nil {
			return nil
		}
		return &out
	}
	p.Services, p.CIs, p.Keywords, p.Problems = list(*services), list(*cis), list(*keywords), list(*problems)
	if *knownError {
		p.KnownError = knownError
	}
	if *from == "" && p.Title == nil {
		return usagef("kb add needs --title (or --from-item ID)")
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	var a *svcflow.Article
	if *from != "" {
		a, err = d.ArticleFromItem(ctx, actor, *from, p)
	} else {
		a, err = d.CreateArticle(ctx, actor, p)
	}
	if err != nil {
		return err
	}
	if f.json {
		return writeJSONTo(e.stdout, a)
	}
	fmt.Fprintf(e.stdout, "%s written as a draft: %s\n", a.ID, a.Title)
	return nil
}

func kbStatus(to svcflow.ArticleStatus) func(context.Context, *env, []string) error {
	verb := map[svcflow.ArticleStatus]string{svcflow.ArticlePublished: "publish", svcflow.ArticleRetired: "retire"}[to]
	return func(ctx context.Context, e *env, args []string) error {
		fs, f := newKBFlags(e, verb)
		id, err := oneID(fs, args, "kb "+verb+" ID")
		if err != nil {
			return err
		}
		d, actor, done, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer done()
		a, err := d.SetArticleStatus(ctx, actor, id, 0, to)
		if err != nil {
			return err
		}
		if f.json {
			return writeJSONTo(e.stdout, a)
		}
		fmt.Fprintf(e.stdout, "%s is %s (version %d)\n", a.ID, a.Status, a.Version)
		return nil
	}
}
