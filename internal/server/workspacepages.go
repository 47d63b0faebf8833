package server

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The agent workspace on an item's page — related items, configuration
// items and their impact, knowledge, watchers, reclassifying — and the
// search over every item an agent may see.

// workspaceRoutes lists the routes of these pages.
func (s *Server) workspaceRoutes() []route {
	return []route{
		{method: "POST", path: "/items/{id}/staff", summary: "A staff action from the item's page: work its step, assign, swarm, reclassify, tick a task, link, mark a duplicate, watch, link knowledge (agents and up; the form's version must be current)",
			public: true, html: true, status: 303, h: s.rolePage(svcflow.RoleAgent, s.workSubmit)},
		{method: "GET", path: "/search", summary: "Search the work items: full text over title, description and public comments, with filters (agents and up)",
			public: true, html: true, status: 200, query: searchParams, h: s.staffPage(s.searchPage)},
	}
}

// itemDesk is what staff see and do on an item beyond its current step.
type itemDesk struct {
	Kind        svcflow.Kind
	Kinds       []option     // it may be reclassified to one of these; none once it is final
	Open        bool         // not final: it may still be marked a duplicate
	Links       []itemLink   // related items and vendor tickets
	LinkTypes   []linkType   // the relations a person may add
	CIs         []ciRow      // the configuration items it concerns
	Upstream    []ciRow      // what they rely on: possible causes
	Downstream  []ciRow      // what their failure affects
	Services    []string     // the services affected
	Articles    []articleRow // linked knowledge
	Suggested   bool         // the agent asked for suggestions
	Suggestions []articleRow
	Watchers    []personRef
}

// itemLink is a link of an item as its page shows it; Href is set for
// links to other work items, Title for those the reader may see.
type itemLink struct {
	Relation, Other, Href, Title string
}

// linkType is a relation a person may add, with its label.
type linkType struct{ Value, Label string }

// ciRow is a configuration item on an item's page; Path is how it is
// reached from the item's own CIs.
type ciRow struct {
	ID, Name, Class, Path string
	Distance              int
}

// articleRow is a knowledge article on an item's page.
type articleRow struct {
	ID, Title, Status string
	Linked            bool
}

// maxImpactRows bounds each impact list on an item's page; the API gives
// the whole walk.
const maxImpactRows = 20

// relationText says a link type in words.
func relationText(t string) string {
	switch t {
	case svcflow.LinkReclassifiedFrom:
		return "reclassified from"
	case svcflow.LinkReclassifiedTo:
		return "reclassified as"
	case svcflow.LinkDuplicateOf:
		return "duplicate of"
	case svcflow.LinkCausedBy:
		return "caused by"
	case svcflow.LinkSpawnedBy:
		return "opened from"
	case svcflow.LinkSpawned:
		return "opened"
	case svcflow.LinkVendorTicket:
		return "vendor ticket"
	case svcflow.LinkCI:
		return "configuration item"
	case svcflow.LinkRaisedFrom:
		return "raised from"
	case svcflow.LinkKnowledge:
		return "knowledge article"
	}
	return strings.ReplaceAll(t, "-", " ")
}

// itemDesk gathers what staff see of an item beyond its step; with
// suggest, the knowledge suggestions over its title too.
func (s *Server) itemDesk(r *http.Request, p *svcflow.Person, v *desk.View, name func(string) string, suggest bool) (*itemDesk, error) {
	ctx, w := r.Context(), v.Item
	d := &itemDesk{Kind: w.Kind, Open: !w.Status.IsFinal(),
		LinkTypes: []linkType{{svcflow.LinkCausedBy, "caused by item"}, {svcflow.LinkVendorTicket, "vendor ticket"}}}
	if w.Kind == svcflow.KindImprovement {
		d.LinkTypes = append(d.LinkTypes, linkType{svcflow.LinkRaisedFrom, "raised from item"})
	}
	if d.Open {
		for _, k := range svcflow.Kinds() {
			if k != w.Kind {
				d.Kinds = append(d.Kinds, option{string(k), strings.ReplaceAll(string(k), "_", " ")})
			}
		}
	}
	linked := map[string]bool{}
	var cis []string
	for _, l := range w.Links {
		switch l.Type {
		case svcflow.LinkCI:
			cis = append(cis, l.Other)
		case svcflow.LinkKnowledge:
			linked[l.Other] = true
			row := articleRow{ID: l.Other, Linked: true}
			if a, err := s.desk.Article(ctx, p, l.Other); err == nil {
				row.Title, row.Status = a.Title, string(a.Status)
			}
			d.Articles = append(d.Articles, row)
		case svcflow.LinkVendorTicket:
			d.Links = append(d.Links, itemLink{Relation: relationText(l.Type), Other: l.Other})
		default:
			// Another work item: its title when the reader may see it.
			il := itemLink{Relation: relationText(l.Type), Other: l.Other, Href: "/items/" + l.Other}
			if o, err := s.desk.Item(ctx, p, l.Other); err == nil {
				il.Title = o.Content.Title
			}
			d.Links = append(d.Links, il)
		}
	}
	if len(cis) > 0 {
		imp, err := s.desk.ItemImpact(ctx, p, w.ID)
		if err != nil {
			return nil, err
		}
		row := func(id string, distance int, path []string) ciRow {
			c := ciRow{ID: id, Distance: distance, Path: strings.Join(path, " → ")}
			if ci, err := s.desk.CI(ctx, id); err == nil {
				c.Name, c.Class = ci.Name, strings.ReplaceAll(ci.Class, "_", " ")
			}
			return c
		}
		for _, id := range cis {
			d.CIs = append(d.CIs, row(id, 0, nil))
		}
		for i, c := range imp.Upstream {
			if i < maxImpactRows {
				d.Upstream = append(d.Upstream, row(c.ID, c.Distance, c.Path))
			}
		}
		for i, c := range imp.Downstream {
			if i < maxImpactRows {
				d.Downstream = append(d.Downstream, row(c.ID, c.Distance, c.Path))
			}
		}
		for _, sv := range imp.Services {
			d.Services = append(d.Services, sv.ID)
		}
	}
	if suggest {
		d.Suggested = true
		_, found, err := s.desk.Suggest(ctx, p, v.Content.Title, w.Service)
		if err != nil && fromDomain(err) == nil {
			return nil, err
		}
		for _, a := range found {
			d.Suggestions = append(d.Suggestions, articleRow{ID: a.ID, Title: a.Title, Status: string(a.Status), Linked: linked[a.ID]})
		}
	}
	for _, id := range w.Watchers {
		d.Watchers = append(d.Watchers, personRef{id, name(id)})
	}
	return d, nil
}

// teamPeople lists the agents of a team, to assign its step to.
func (s *Server) teamPeople(r *http.Request, team string) ([]personRef, error) {
	if team == "" {
		return nil, nil
	}
	all, err := s.desk.Store().People(r.Context())
	if err != nil {
		return nil, err
	}
	var out []personRef
	for _, p := range all {
		if !p.Erased && p.Role.AtLeast(svcflow.RoleAgent) && slices.Contains(p.Teams, team) {
			out = append(out, personRef{p.ID, p.Name})
		}
	}
	return out, nil
}

var searchParams = []param{
	{"q", "words to find in the title, description and public comments"},
	{"status", "open (the default without words), any (the default with words), or one status"},
	{"kind", "one kind"}, {"team", "team of the current step"}, {"stream", "value stream id"}, {"service", "service id"},
	{"cursor", "the next page's cursor, from the page's next link"},
}

// searchPageSize is how many items a search page lists.
const searchPageSize = 50

// searchView is the search page: the query, the filters with their
// choices, one page of results and the link to the next.
type searchView struct {
	Q, Status, Kind, Team, Stream, Service    string
	Statuses, Kinds, Teams, Streams, Services []option
	Rows                                      []searchRow
	Next                                      string // the next page's address; empty on the last page
	Recent                                    bool   // no words: the most recent open items
	Later                                     bool   // a page after the first
}

// option is a choice of a filter.
type option struct{ Value, Label string }

// searchRow is a work item found.
type searchRow struct {
	ID, Title, Kind, StatusText, Step, Team string
	Status                                  svcflow.Status
	Priority                                svcflow.Priority
	Updated                                 time.Time
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	q := r.URL.Query()
	v := &searchView{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Kind: q.Get("kind"), Team: q.Get("team"),
		Stream: q.Get("stream"), Service: q.Get("service")}
	if len(v.Q) > 500 {
		return newProblem("invalid", "q: at most 500 characters", fieldError{"q", "at most 500 characters"})
	}
	if v.Status == "" {
		v.Status = "any"
		if v.Q == "" {
			v.Status = "open"
		}
	}
	v.Recent = v.Q == "" && v.Status == "open"
	f := desk.ItemFilter{Text: v.Q, Service: v.Service, Stream: v.Stream, Limit: searchPageSize}
	switch v.Status {
	case "any":
	case "open":
		f.Statuses = []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold}
	default:
		if _, ok := statusText[svcflow.Status(v.Status)]; !ok {
			return newProblem("invalid", "status: expected open, any or one status", fieldError{"status", "expected open, any or one status"})
		}
		f.Statuses = []svcflow.Status{svcflow.Status(v.Status)}
	}
	if v.Kind != "" {
		if !svcflow.Kind(v.Kind).IsValid() {
			return newProblem("invalid", "kind: expected one of "+strings.Join(svcflow.KindIDs(), ", "), fieldError{"kind", "unknown kind"})
		}
		f.Kinds = []svcflow.Kind{svcflow.Kind(v.Kind)}
	}
	if v.Team != "" {
		f.Teams = []string{v.Team}
	}
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			return newProblem("invalid", "cursor: expected the cursor of a next page link", fieldError{"cursor", "not a cursor"})
		}
		f.Before, v.Later = n, true
	}
	items, contents, err := s.visibleItems(r, p, f)
	if err != nil {
		return err
	}
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	for _, it := range items {
		row := searchRow{ID: it.ID, Title: contents[it.ID].Title, Kind: strings.ReplaceAll(string(it.Kind), "_", " "),
			Status: it.Status, StatusText: statusText[it.Status], Priority: it.Priority, Updated: it.Updated}
		if it.Visit != nil {
			row.Step, row.Team = stepName(byStreamID(streams, it.Stream), it.Visit.Step), it.Visit.Team
		}
		v.Rows = append(v.Rows, row)
	}
	if len(items) == f.Limit {
		next := url.Values{}
		for k, val := range map[string]string{"q": v.Q, "status": v.Status, "kind": v.Kind, "team": v.Team, "stream": v.Stream, "service": v.Service} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("cursor", strconv.FormatInt(itemNumber(items[len(items)-1].ID), 10))
		v.Next = "/search?" + next.Encode()
	}
	if err := s.searchChoices(r, v, streams); err != nil {
		return err
	}
	return render(w, http.StatusOK, "search", pageData{Title: "Search", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/search"), View: v})
}

// searchChoices fills the choices of the search filters.
func (s *Server) searchChoices(r *http.Request, v *searchView, streams []*svcflow.ValueStream) error {
	v.Statuses = []option{{"open", "Open (new, in progress, on hold)"}, {"any", "Any status"}}
	for _, st := range []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.StatusResolved, svcflow.StatusClosed, svcflow.StatusCancelled} {
		v.Statuses = append(v.Statuses, option{string(st), statusText[st]})
	}
	for _, k := range svcflow.KindIDs() {
		v.Kinds = append(v.Kinds, option{k, strings.ReplaceAll(k, "_", " ")})
	}
	teams, err := s.desk.Store().Teams(r.Context())
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range teams {
		seen[t.ID] = true
		v.Teams = append(v.Teams, option{t.ID, cmp.Or(t.Name, t.ID)})
	}
	for _, st := range streams {
		v.Streams = append(v.Streams, option{st.ID, st.Name})
		for _, step := range st.Steps {
			if step.Team != "" && !seen[step.Team] {
				seen[step.Team] = true
				v.Teams = append(v.Teams, option{step.Team, step.Team})
			}
		}
	}
	slices.SortFunc(v.Teams, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	services, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	for _, sv := range services {
		v.Services = append(v.Services, option{sv.ID, sv.Name})
	}
	return nil
}
