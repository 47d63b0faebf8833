package server

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/report"
)

// The pages people use in a browser (SPEC §6): server-rendered from
// templates embedded in the binary, working without JavaScript, under the
// strict Content-Security-Policy every response carries.

//go:embed web/*.html web/*.css web/*.js
var webFiles embed.FS

// pages are the page templates, each file of web/ parsed once with the
// layout and named by its base name ("web/board.html" is "board").
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	names, err := fs.Glob(webFiles, "web/*.html")
	if err != nil {
		panic(err)
	}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(pageFuncs).ParseFS(webFiles, "web/layout.html", "web/_parts.html", file))
	}
	return out
}()

// pageFuncs are the functions every page template may call.
var pageFuncs = template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	// duration says a number of seconds the way people say it ("3 h 20 min").
	"duration": report.Duration,
	// suggestions is the data of the "suggestion-list" part.
	"suggestions": func(csrf, session, text string, articles []*svcflow.Article) suggestionList {
		return suggestionList{CSRF: csrf, Session: session, Text: text, Articles: articles}
	},
}

// suggestionList is what the "suggestion-list" part shows: articles that
// may answer a need, each with "This solved it", which names the
// suggestion session they were shown in, or the text they were found for.
type suggestionList struct {
	CSRF, Session, Text string
	Articles            []*svcflow.Article
}

// loginCookie holds the synchronizer token of the sign-in form, which is
// posted before there is a session to keep it in.
const loginCookie = "svcflow_login"

// navLink is an entry of the main navigation.
type navLink struct {
	Label, Href string
	Current     bool
}

// pageData is what every page template gets; each page reads its part.
type pageData struct {
	Title  string
	Person *svcflow.Person
	CSRF   string
	Nav    []navLink

	Error, Email string // sign-in

	ItemsHeading string // home
	Items        []itemRow

	Services []portalService // portal
	Form     *requestForm    // a request form
	Item     *itemPage       // an item's page
	Queues   []queueBlock    // the agent's team queues
	StreamID string          // a stream's board
	Columns  []boardColumn
	Notice   string // a line above the content, such as "showing 200 of 312"
	Refresh  int    // seconds between updates of a live page's live parts; 0 for none
	Script   string // a script of svcflow's that enhances the page, such as "/static/suggest.js"

	// View is the page's own data, for pages whose data is theirs alone.
	View any
}

// itemRow is a work item in a list.
type itemRow struct {
	ID, Title, StatusText, Step string
	Status                      svcflow.Status
	Priority                    svcflow.Priority
	Updated                     time.Time
}

// nav is the navigation of a signed-in person by role: requesters ask and
// follow their requests; agents work queues and read the register and the
// knowledge base; managers also watch dashboards and simulate; admins
// configure.
func nav(p *svcflow.Person, current string) []navLink {
	links := []navLink{{Label: "Home", Href: "/"}, {Label: "Ask for something", Href: "/portal"}, {Label: "Knowledge", Href: "/knowledge"}}
	role := svcflow.RoleRequester
	if p != nil {
		role = p.Role
	}
	if role.AtLeast(svcflow.RoleAgent) {
		links = append(links, navLink{Label: "Team queues", Href: "/work"}, navLink{Label: "Search", Href: "/search"},
			navLink{Label: "Value streams", Href: "/streams"}, navLink{Label: "Improvements", Href: "/improvements"})
	}
	if role.AtLeast(svcflow.RoleManager) {
		links = append(links, navLink{Label: "Dashboards", Href: "/dashboards"}, navLink{Label: "Simulate", Href: "/simulate"})
	}
	if role.AtLeast(svcflow.RoleAdmin) {
		links = append(links, navLink{Label: "Admin", Href: "/admin"})
	}
	for i := range links {
		links[i].Current = links[i].Href == current
	}
	return links
}

// renderPart writes the content of a page without the layout, for a
// script that puts it into a page already shown.
func renderPart(w http.ResponseWriter, name string, d pageData) error {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "content", d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(buf.Bytes())
	return err
}

// render writes a page with a status.
func render(w http.ResponseWriter, status int, name string, d pageData) error {
	if d.Refresh > 0 {
		d.Script = "/static/live.js"
	}
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// browserSession finds the person and session behind the session cookie
// (pages use the cookie, never a bearer token); ok is false without one.
func (s *Server) browserSession(r *http.Request) (*svcflow.Person, desk.Session, bool, error) {
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || !auth.IsSessionID(c.Value) {
		return nil, desk.Session{}, false, nil
	}
	p, sess, err := s.desk.PersonBySession(r.Context(), auth.HashToken(c.Value))
	if err != nil {
		if errors.Is(err, desk.ErrNotFound) {
			return nil, desk.Session{}, false, nil
		}
		return nil, desk.Session{}, false, err
	}
	if p.Erased {
		return nil, desk.Session{}, false, nil
	}
	return p, sess, true, nil
}

// sameToken compares a posted synchronizer token with the expected one.
func sameToken(posted, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(posted), []byte(want)) == 1
}

// readForm parses a posted form, at most 64 KiB of it.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return newProblem("invalid", "the form could not be read")
	}
	return nil
}

// checkForm reads a posted form and checks its synchronizer token against
// the session's (SPEC §8): a forged or stale form changes nothing.
func checkForm(w http.ResponseWriter, r *http.Request, sess desk.Session) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	if !sameToken(r.PostFormValue("csrf_token"), sess.CSRF) {
		return newProblem("forbidden", "the form is not from this session; reload the page and try again")
	}
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if _, _, ok, err := s.browserSession(r); err != nil || ok {
		if ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
		}
		return err
	}
	return s.showLogin(w, r, http.StatusOK, "", "")
}

// showLogin renders the sign-in form with a fresh synchronizer token.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, email, problem string) error {
	tok, err := auth.NewCSRFToken()
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return render(w, status, "login", pageData{Title: "Sign in", CSRF: tok, Email: email, Error: problem})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf_token"), c.Value) {
		return s.showLogin(w, r, http.StatusForbidden, r.PostFormValue("email"), "The form had expired. Please sign in again.")
	}
	email := r.PostFormValue("email")
	p, err := s.checkPassword(w, r, email, r.PostFormValue("password"))
	if err != nil {
		ae := fromDomain(err)
		if ae == nil {
			return err
		}
		return s.showLogin(w, r, ae.p.Status, email, capitalize(ae.p.Detail)+".")
	}
	if _, err := s.startSession(w, r, p); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	_, sess, ok, err := s.browserSession(r)
	if err != nil {
		return err
	}
	if ok && !sameToken(r.PostFormValue("csrf_token"), sess.CSRF) {
		return newProblem("forbidden", "the form is not from this session; reload the page and try again")
	}
	if err := s.endSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) error {
	p, sess, ok, err := s.browserSession(r)
	if err != nil {
		return err
	}
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	f := desk.ItemFilter{Limit: homePageSize}
	if n, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	}
	items, contents, err := s.visibleItems(r, p, f)
	if err != nil {
		return err
	}
	d := pageData{Title: "Hello, " + p.Name, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/"), ItemsHeading: "Recent work you can see"}
	if p.Role == svcflow.RoleRequester {
		d.ItemsHeading = "Your requests"
	}
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	for _, w := range items {
		row := itemRow{ID: w.ID, Title: contents[w.ID].Title, Status: w.Status, StatusText: statusText[w.Status], Priority: w.Priority, Updated: w.Updated}
		if w.Visit != nil {
			row.Step = stepName(byStreamID(streams, w.Stream), w.Visit.Step)
		}
		d.Items = append(d.Items, row)
	}
	if len(items) == f.Limit {
		d.View = homeView{Older: "/?before=" + strconv.FormatInt(itemNumber(items[len(items)-1].ID), 10)}
	}
	return render(w, http.StatusOK, "home", d)
}

// homePageSize is how many items home lists at a time, newest first.
const homePageSize = 25

// homeView is home's own data: the link to the next, older page.
type homeView struct{ Older string }

// visibleItems lists the items the person may see, with their text.
func (s *Server) visibleItems(r *http.Request, p *svcflow.Person, f desk.ItemFilter) ([]*svcflow.WorkItem, map[string]desk.Content, error) {
	items, err := s.desk.List(r.Context(), p, f)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(items))
	for i, w := range items {
		ids[i] = w.ID
	}
	contents, err := s.desk.Store().ItemContents(r.Context(), ids)
	return items, contents, err
}

// statusText says a status in plain words.
var statusText = map[svcflow.Status]string{
	svcflow.StatusNew: "New", svcflow.StatusInProgress: "In progress", svcflow.StatusOnHold: "On hold",
	svcflow.StatusResolved: "Resolved", svcflow.StatusClosed: "Closed", svcflow.StatusCancelled: "Cancelled",
}

func (s *Server) appStylesheet(w http.ResponseWriter, _ *http.Request) {
	serveAsset(w, "web/app.css", "text/css; charset=utf-8")
}

// script serves one of the pages' scripts.
func (s *Server) script(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		serveAsset(w, "web/"+name, "text/javascript; charset=utf-8")
	}
}

// serveAsset answers with an embedded file.
func serveAsset(w http.ResponseWriter, name, contentType string) {
	b, err := webFiles.ReadFile(name)
	if err != nil {
		http.Error(w, "no such asset", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
