package server

import (
	"net/http"
	"sort"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/improve"
	"github.com/svcflow/svcflow/internal/notify"
	"github.com/svcflow/svcflow/internal/report"
)

// route is one entry of the route table: the mux serves it and the OpenAPI
// document describes it, from this one place.
type route struct {
	method, path string
	summary      string
	public       bool // no sign-in needed
	request      any  // a value of the request body type, or nil
	response     any  // a value of the success body type, or nil for no body
	status       int  // success status
	query        []param
	html         bool // a page, not JSON
	h            handlerFunc
	raw          http.HandlerFunc // operational endpoints that write plain text
	action       string           // for work item actions: which fields the body takes
	rawBody      bool             // the body is a file, not JSON
	download     bool             // the answer is a file
}

// param is a documented query parameter.
type param struct {
	name, description string
}

var listParams = []param{
	{"status", "comma-separated statuses, or open (new, in_progress, on_hold)"},
	{"kind", "comma-separated kinds"},
	{"team", "comma-separated teams of the current step"},
	{"service", "service id"}, {"stream", "value stream id"},
	{"assignee", "person working the current step"},
	{"mine", "true: only items requested by, for or watched by me"},
	{"q", "full-text search over title, description and public comments"},
	{"cursor", "next_cursor of the previous page"}, {"limit", "page size, 1 to 200 (default 50)"},
}

// routes is the whole route table.
func (s *Server) routes() []route {
	rs := []route{
		{method: "GET", path: "/healthz", summary: "Liveness", public: true, raw: s.healthz, status: 200},
		{method: "GET", path: "/readyz", summary: "Readiness: migrations (and demo data) committed", public: true, raw: s.readyz, status: 200},
		{method: "GET", path: "/api/v1/openapi.json", summary: "This document", public: true, h: s.openAPI, status: 200},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics of this instance", public: true, raw: s.metrics.handler().ServeHTTP, status: 200},

		{method: "POST", path: "/api/v1/sessions", summary: "Sign in with email and password (sets the session cookie)", public: true,
			request: loginRequest{}, response: sessionInfo{}, status: 201, h: s.login},
		{method: "DELETE", path: "/api/v1/sessions/current", summary: "Sign out", public: true, status: 204, h: s.logout},
		{method: "GET", path: "/api/v1/me", summary: "The signed-in person", response: personView{}, status: 200, h: s.me},

		{method: "GET", path: "/api/v1/work-items", summary: "List work items visible to the caller, newest first (keyset pages)",
			response: itemList{}, status: 200, query: listParams, h: s.listItems},
		{method: "POST", path: "/api/v1/work-items", summary: "Open a work item; it is routed to its value stream",
			request: createWorkItem{}, response: workItem{}, status: 201, h: s.createItem},
		{method: "GET", path: "/api/v1/work-items/{id}", summary: "One work item (ETag: its version)", response: workItem{}, status: 200, h: s.getItem},
		{method: "PATCH", path: "/api/v1/work-items/{id}", summary: "Change fields; requires If-Match",
			request: patchWorkItem{}, response: workItem{}, status: 200, h: s.patchItem},
		{method: "GET", path: "/api/v1/work-items/{id}/events", summary: "The item's events", response: eventList{}, status: 200, h: s.itemEvents},
		{method: "GET", path: "/api/v1/work-items/{id}/visits", summary: "The item's visits with wait, cycle and blocked times",
			response: map[string][]visitTimes{}, status: 200, h: s.itemVisits},
		{method: "GET", path: "/api/v1/work-items/{id}/comments", summary: "The item's comments (requesters: public ones)", response: commentList{}, status: 200, h: s.itemComments},
		{method: "POST", path: "/api/v1/work-items/{id}/attachments", summary: "Attach a file: the raw body, its type in Content-Type, its name in ?name=",
			rawBody: true, query: []param{{"name", "the file name"}}, response: desk.Attachment{}, status: 201, h: s.uploadAttachment},
		{method: "GET", path: "/api/v1/work-items/{id}/attachments", summary: "The item's attachments", response: attachmentList{}, status: 200, h: s.listAttachments},
		{method: "GET", path: "/api/v1/attachments/{id}", summary: "Download an attachment", status: 200, download: true, h: s.downloadAttachment},

		{method: "GET", path: "/api/v1/events", summary: "The global event log after a cursor (managers and admins)", response: eventList{}, status: 200,
			query: []param{{"after", "sequence number; events after it"}, {"limit", "1 to 1000 (default 500)"}}, h: s.events},

		{method: "GET", path: "/api/v1/analytics/flow", summary: "Flow analytics of the work items (managers and admins): SPEC §3 metrics, observed map, variants, and conformance when a stream is given",
			response: flow.Analysis{}, status: 200, query: analyticsParams, h: s.analyticsFlow},
		{method: "GET", path: "/api/v1/analytics/map.svg", summary: "The observed process map of the work items as SVG (managers and admins)",
			status: 200, query: analyticsParams, h: s.analyticsMap},

		{method: "POST", path: "/api/v1/simulations", summary: "Simulate scenario files and compare each with the first (managers and admins; bounded in size and time)",
			request: simulationRequest{}, response: report.SimDocument{}, status: 200, h: s.simulate},

		{method: "GET", path: "/api/v1/feedback", summary: "Feedback entries, newest first (managers and admins; agents for one item they may see)",
			response: feedbackList{}, status: 200, query: feedbackParams, h: s.listFeedback},
		{method: "GET", path: "/api/v1/improvements", summary: "The continual improvement register, newest first (agents and up)",
			response: improvementList{}, status: 200, query: []param{{"stream", "value stream id the improvements concern"}}, h: s.listImprovements},
		{method: "POST", path: "/api/v1/improvements", summary: "Raise an improvement with its one success criterion; from_bottleneck drafts it from a stream's top bottleneck",
			request: raiseImprovement{}, response: improvement{}, status: 201, h: s.createImprovement},
		{method: "GET", path: "/api/v1/improvements/{id}", summary: "One register entry with its baseline and evaluation (ETag: the item's version)",
			response: improvement{}, status: 200, h: s.getImprovement},
		{method: "PATCH", path: "/api/v1/improvements/{id}", summary: "Change register fields; requires If-Match; the criterion is fixed once its baseline is captured",
			request: patchImprovement{}, response: improvement{}, status: 200, h: s.patchImprovement},
		{method: "POST", path: "/api/v1/improvements/evaluate", summary: "Capture due baselines and evaluate improvements whose window has ended, now (managers and admins)",
			response: improve.Pass{}, status: 200, h: s.evaluateImprovements},

		{method: "GET", path: "/api/v1/value-streams", summary: "The value streams (latest revisions)", response: streamList{}, status: 200, h: s.listStreams},
		{method: "GET", path: "/api/v1/value-streams/{id}", summary: "One value stream definition", response: valueStream, status: 200, h: s.showStream},
		{method: "GET", path: "/api/v1/value-streams/{id}/map.svg", summary: "The stream's map as SVG", status: 200, h: s.streamMap},

		{method: "GET", path: "/api/v1/people", summary: "People (agents and up)", response: personList{}, status: 200, h: s.listPeople},
		{method: "POST", path: "/api/v1/people", summary: "Add a person (admins)", request: savePerson{}, response: personView{}, status: 201, h: s.createPerson},
		{method: "GET", path: "/api/v1/people/{id}", summary: "One person", response: personView{}, status: 200, h: s.getPerson},
		{method: "POST", path: "/api/v1/people/{id}/erase", summary: "Erase a person's personal data and the free text tied to them (admins); the event log stays intact", status: 204, h: s.erasePerson},
		{method: "GET", path: "/api/v1/teams", summary: "Teams", response: teamList{}, status: 200, h: s.listTeams},
		{method: "POST", path: "/api/v1/teams", summary: "Add or change a team (admins)", request: saveTeam{}, response: team, status: 201, h: s.createTeam},
		{method: "GET", path: "/api/v1/teams/{id}/queue", summary: "The team's queue, best first under its policy (agents and up)", response: queueView{}, status: 200, h: s.teamQueue},
		{method: "POST", path: "/api/v1/teams/{id}/pull", summary: "Start the best item of the team's queue whose step has room; says what it skipped", response: pullResult{}, status: 200, h: s.pull},
		{method: "GET", path: "/api/v1/organisations", summary: "Organisations (agents and up)", response: orgList{}, status: 200, h: s.listOrgs},
		{method: "POST", path: "/api/v1/organisations", summary: "Add or change an organisation (admins)", request: saveOrg{}, response: organisation, status: 201, h: s.createOrg},
		{method: "GET", path: "/api/v1/services", summary: "Services", response: serviceList{}, status: 200, h: s.listServices},
		{method: "POST", path: "/api/v1/services", summary: "Add or change a service and its catalogue (admins)", request: saveService{}, response: service, status: 201, h: s.createService},
		{method: "GET", path: "/api/v1/sla-policies", summary: "SLA policies (agents and up)", response: slaPolicyList{}, status: 200, h: s.listSLAPolicies},
		{method: "POST", path: "/api/v1/sla-policies", summary: "Add or change an SLA policy (admins)", request: svcflow.SLAPolicy{}, response: svcflow.SLAPolicy{}, status: 201, h: s.createSLAPolicy},
		{method: "GET", path: "/api/v1/calendars", summary: "Business-hours calendars (agents and up)", response: calendarList{}, status: 200, h: s.listCalendars},
		{method: "POST", path: "/api/v1/calendars", summary: "Add or change a business calendar (admins)", request: svcflow.Calendar{}, response: svcflow.Calendar{}, status: 201, h: s.createCalendar},
		{method: "GET", path: "/api/v1/work-items/{id}/sla", summary: "The item's SLA clocks now, computed from its events", response: svcflow.SLAStatus{}, status: 200, h: s.itemSLA},
		{method: "GET", path: "/api/v1/cis", summary: "Configuration items (agents and up)", response: ciList{}, status: 200, h: s.listCIs},
		{method: "POST", path: "/api/v1/cis", summary: "Add or change a configuration item and the relationships that start at it (managers and admins)",
			request: saveCI{}, response: svcflow.CI{}, status: 201, h: s.createCI},
		{method: "GET", path: "/api/v1/cis/{id}", summary: "One configuration item", response: svcflow.CI{}, status: 200, h: s.getCI},
		{method: "GET", path: "/api/v1/cis/{id}/impact", summary: "Upstream causes, downstream impact and affected services of a CI",
			response: svcflow.ImpactResult{}, status: 200, h: s.ciImpact},
		{method: "GET", path: "/api/v1/work-items/{id}/impact", summary: "Impact of the configuration items a work item concerns",
			response: svcflow.ImpactResult{}, status: 200, h: s.itemImpact},
		{method: "GET", path: "/api/v1/catalogue", summary: "What requesters can ask for", response: catalogueList{}, status: 200, h: s.catalogue},

		{method: "GET", path: "/api/v1/knowledge/articles", summary: "Search or list knowledge articles, the most relevant first (requesters: published ones)",
			response: articleList{}, status: 200, query: articleParams, h: s.listArticles},
		{method: "POST", path: "/api/v1/knowledge/articles", summary: "Write a draft article (agents and up)", request: saveArticle{}, response: svcflow.Article{}, status: 201, h: s.createArticle},
		{method: "GET", path: "/api/v1/knowledge/articles/{id}", summary: "One article (ETag: its version; requesters: published ones)", response: svcflow.Article{}, status: 200, h: s.getArticle},
		{method: "PATCH", path: "/api/v1/knowledge/articles/{id}", summary: "Change an article's fields (agents and up); requires If-Match",
			request: saveArticle{}, response: svcflow.Article{}, status: 200, h: s.patchArticle},
		{method: "GET", path: "/api/v1/knowledge/articles/{id}/revisions", summary: "The article's text at every save, oldest first (agents and up)", response: revisionList{}, status: 200, h: s.articleRevisions},
		{method: "POST", path: "/api/v1/knowledge/articles/{id}/publish", summary: "Publish an article (managers, admins and the knowledge team)", response: svcflow.Article{}, status: 200, h: s.articleStatus(svcflow.ArticlePublished)},
		{method: "POST", path: "/api/v1/knowledge/articles/{id}/retire", summary: "Retire an article (managers, admins and the knowledge team)", response: svcflow.Article{}, status: 200, h: s.articleStatus(svcflow.ArticleRetired)},
		{method: "POST", path: "/api/v1/work-items/{id}/articles", summary: "Write a draft article from a resolved work item, prefilled from it and linked to it (agents and up)",
			request: saveArticle{}, response: svcflow.Article{}, status: 201, h: s.articleFromItem},
		{method: "POST", path: "/api/v1/knowledge/suggestions", summary: "Suggest published articles for what a person is typing; starts a suggestion session when any match",
			request: suggestionRequest{}, response: suggestionResult{}, status: 200, h: s.suggest},
		{method: "POST", path: "/api/v1/knowledge/suggestions/{session}/solved", summary: "Mark that a suggested article solved it: a deflection unless a work item is opened from the session",
			request: solvedRequest{}, response: solvedResult{}, status: 200, h: s.solved},
		{method: "GET", path: "/api/v1/knowledge/deflection", summary: "Deflection of the portal suggestion sessions started between from and to (managers and admins)",
			response: desk.DeflectionReport{}, status: 200, query: []param{{"from", "date or RFC 3339 time"}, {"to", "date or RFC 3339 time"}}, h: s.deflection},
		{method: "GET", path: "/api/v1/webhooks", summary: "Outbound webhooks (admins)", response: webhookList{}, status: 200, h: s.listWebhooks},
		{method: "POST", path: "/api/v1/webhooks", summary: "Add a webhook (admins); the answer shows its signing secret, this once",
			request: saveWebhook{}, response: createdWebhook{}, status: 201, h: s.createWebhook},
		{method: "GET", path: "/api/v1/webhooks/{id}", summary: "One webhook (admins)", response: webhookView{}, status: 200, h: s.getWebhook},
		{method: "POST", path: "/api/v1/webhooks/{id}/disable", summary: "Stop sending to a webhook (admins); its pending deliveries are given up",
			response: webhookView{}, status: 200, h: s.setWebhookActive(false)},
		{method: "POST", path: "/api/v1/webhooks/{id}/enable", summary: "Send to a webhook again (admins), from the events after this on",
			response: webhookView{}, status: 200, h: s.setWebhookActive(true)},
		{method: "DELETE", path: "/api/v1/webhooks/{id}", summary: "Delete a webhook (admins); its pending deliveries are given up", status: 204, h: s.deleteWebhook},
		{method: "GET", path: "/api/v1/rules", summary: "Automation rules (managers and admins)", response: ruleList{}, status: 200, h: s.listRules},
		{method: "POST", path: "/api/v1/rules", summary: "Add or replace an automation rule, as JSON or a YAML rule file (admins)",
			request: ruleRequest{}, response: svcflow.Rule{}, status: 201, h: s.saveRule},
		{method: "POST", path: "/api/v1/rules/dry-run", summary: "What an unsaved rule would have done over the last days of the log (managers and admins)",
			request: ruleRequest{}, response: desk.DryRunReport{}, status: 200, query: []param{{"days", "1 to 90 (default 7)"}}, h: s.dryRunNewRule},
		{method: "GET", path: "/api/v1/rules/{id}", summary: "One automation rule (managers and admins)", response: svcflow.Rule{}, status: 200, h: s.getRule},
		{method: "POST", path: "/api/v1/rules/{id}/enable", summary: "Switch a rule on (admins)", response: svcflow.Rule{}, status: 200, h: s.setRuleEnabled(true)},
		{method: "POST", path: "/api/v1/rules/{id}/disable", summary: "Switch a rule off (admins)", response: svcflow.Rule{}, status: 200, h: s.setRuleEnabled(false)},
		{method: "DELETE", path: "/api/v1/rules/{id}", summary: "Delete a rule (admins); its recorded firings stay", status: 204, h: s.deleteRule},
		{method: "POST", path: "/api/v1/rules/{id}/dry-run", summary: "What a saved rule would have done over the last days of the log (managers and admins)",
			response: desk.DryRunReport{}, status: 200, query: []param{{"days", "1 to 90 (default 7)"}}, h: s.dryRunRule},
		{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", summary: "The webhook's deliveries, newest first, each with its log of attempts (admins)",
			response: deliveryList{}, status: 200, query: []param{{"limit", "1 to 200 (default 50)"}}, h: s.webhookDeliveries},

		{method: "GET", path: "/{$}", summary: "Home page (sign-in first: 303 to /login)", public: true, html: true, status: 200, h: s.homePage},
		{method: "GET", path: "/login", summary: "The sign-in page", public: true, html: true, status: 200, h: s.loginPage},
		{method: "POST", path: "/login", summary: "Sign in from the page's form (303 to /)", public: true, html: true, status: 303, h: s.loginSubmit},
		{method: "POST", path: "/logout", summary: "Sign out from a page (303 to /login)", public: true, html: true, status: 303, h: s.logoutSubmit},
		{method: "GET", path: "/streams", summary: "The value streams, with their open items (agents and up)", public: true, html: true, status: 200, h: s.staffPage(s.streamsPage)},
		{method: "GET", path: "/streams/{id}/design", summary: "A value stream's design: its template and each step's (agents and up)", public: true, html: true, status: 200, h: s.staffPage(s.streamDesignPage)},
		{method: "GET", path: "/streams/{id}/flow", summary: "A value stream's observed flow against its design, naming example items (managers and admins)", public: true, html: true, status: 200, h: s.managerPage(s.streamFlowPage)},
		{method: "GET", path: "/portal", summary: "The self-service catalogue", public: true, html: true, status: 200, h: s.signedInPage(s.portalPage)},
		{method: "GET", path: "/portal/request/{service}/{entry}", summary: "A request form (-/problem: report a problem)", public: true, html: true, status: 200, h: s.signedInPage(s.requestPage)},
		{method: "POST", path: "/portal/request/{service}/{entry}", summary: "Send a request (303 to its page)", public: true, html: true, status: 303, h: s.signedInPage(s.requestSubmit)},
		{method: "POST", path: "/portal/solved", summary: "A suggested article solved it: a deflection, no work item", public: true, html: true, status: 200, h: s.signedInPage(s.solvedSubmit)},
		{method: "GET", path: "/streams/{id}/board", summary: "A value stream's Kanban board (agents and up)", public: true, html: true, status: 200, h: s.staffPage(s.boardPage)},
		{method: "POST", path: "/streams/{id}/board/pull", summary: "Pull a card into its step, refused at the step's WIP limit", public: true, html: true, status: 303, h: s.staffPage(s.boardPull)},
		{method: "GET", path: "/work", summary: "The agent's team queues, each in its team's order, with SLA countdowns", public: true, html: true, status: 200, h: s.staffPage(s.workPage)},
		{method: "POST", path: "/work/{team}/pull", summary: "Pull the next item of a team's queue (303 to it)", public: true, html: true, status: 303, h: s.staffPage(s.pullSubmit)},
		{method: "GET", path: "/items/{id}", summary: "A work item's page with its history in plain words", public: true, html: true, status: 200, h: s.signedInPage(s.itemPage)},
		{method: "POST", path: "/items/{id}/comment", summary: "Comment on a work item from its page", public: true, html: true, status: 303, h: s.signedInPage(s.commentSubmit)},
		{method: "POST", path: "/items/{id}/act", summary: "The requester confirms (closes), reopens or rates a resolved item from its page", public: true, html: true, status: 303, h: s.signedInPage(s.itemAction)},
		{method: "GET", path: "/static/app.css", summary: "The pages' stylesheet", public: true, raw: s.appStylesheet, status: 200},
		{method: "GET", path: "/static/live.js", summary: "The script that keeps live pages up to date (optional: pages work without it)", public: true, raw: s.script("live.js"), status: 200},
		{method: "GET", path: "/static/suggest.js", summary: "The script that suggests articles as a requester describes a problem (optional: pages work without it)", public: true, raw: s.script("suggest.js"), status: 200},
		{method: "GET", path: "/portal/suggestions", summary: "Published articles that may answer the text q, as a part of a page for the portal's script", public: true, html: true, status: 200, h: s.signedInPage(s.suggestionsPart)},
		{method: "GET", path: "/streams/{id}", summary: "A value stream's live map: work at each step now, step times, SLA state, the bottleneck (agents and up; reloads itself)", public: true, html: true, status: 200, h: s.staffPage(s.liveStreamPage)},
		{method: "GET", path: "/items/{id}/confirm", summary: "What a mailed confirm link will do", public: true, html: true, status: 200, h: s.actionLink(notify.ActionConfirm)},
		{method: "POST", path: "/items/{id}/confirm", summary: "Confirm the resolution (close) as the link's requester", public: true, html: true, status: 200, h: s.actionLink(notify.ActionConfirm)},
		{method: "GET", path: "/items/{id}/reopen", summary: "What a mailed reopen link will do", public: true, html: true, status: 200, h: s.actionLink(notify.ActionReopen)},
		{method: "POST", path: "/items/{id}/reopen", summary: "Reopen the item as the link's requester", public: true, html: true, status: 200, h: s.actionLink(notify.ActionReopen)},
		{method: "GET", path: "/static/report.css", summary: "Stylesheet", public: true, raw: s.stylesheet, status: 200},
	}
	// Each group of pages lists its own routes beside its handlers.
	rs = append(rs, s.dashboardRoutes()...)
	rs = append(rs, s.registerRoutes()...)
	rs = append(rs, s.simulationRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.workspaceRoutes()...)
	actions := make([]string, 0, len(actionFields))
	for a := range actionFields {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		rs = append(rs, route{method: "POST", path: "/api/v1/work-items/{id}/" + a, summary: actionSummary[a],
			request: actionBody{}, action: a, response: workItem{}, status: 200, h: s.act(a)})
	}
	return rs
}

var actionSummary = map[string]string{
	"start": "Start working the current step", "complete": "Complete the current step with an outcome",
	"resolve": "Complete the current step where that resolves the item", "pause": "Pause the current step (on hold, with a reason)",
	"resume": "Resume a paused step", "requeue": "Put the step back in its team's queue", "escalate": "Requeue the step to another team",
	"assign": "Assign the step to a person or team", "approve": "Approve (listed approvers only)", "reject": "Reject (listed approvers only)",
	"close": "Close a resolved item", "reopen": "Reopen a resolved item into the stream's reopen_to step",
	"reclassify": "Change the kind in place (a query becomes an incident)", "cancel": "Cancel the item",
	"reroute":   "Move the item to another value stream (its latest revision), at its usual entry or the entry named",
	"duplicate": "Mark as a duplicate of another item", "swarm": "Join (or leave) the people working the step",
	"comment": "Add a public or internal comment", "feedback": "Give feedback: the requester's satisfaction (score 1 to 5) after resolution, or an agent's remarks on the work (comment, optional score)",
	"task": "Tick a checklist task of the step", "watch": "Add a watcher", "link": "Link to another item or a vendor ticket",
}

// Handler returns the route table wrapped in the middleware every request
// passes through, outermost first: access log, security headers,
// cross-origin protection; API routes add sign-in and Idempotency-Key.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		pattern := rt.method + " " + rt.path
		switch {
		case rt.raw != nil:
			mux.Handle(pattern, s.metrics.instrument(pattern, rt.raw))
		case rt.html:
			mux.Handle(pattern, s.metrics.instrument(pattern, s.page(rt.h)))
		default:
			h := rt.h
			if rt.method == "POST" {
				h = s.idempotent(h)
			}
			if !rt.public {
				h = s.signedIn(h)
			}
			mux.Handle(pattern, s.metrics.instrument(pattern, s.api(h)))
		}
	}
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return newProblem("not-found", "no API route "+r.Method+" "+r.URL.Path)
	}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.writeProblem(w, r, newProblem("forbidden", "cross-origin request refused"))
			return
		}
		s.errorPage(w, r, http.StatusForbidden, "This form was sent from another site, so nothing was changed.", nil)
	}))
	return s.logRequests(secure(cop.Handler(mux)))
}
