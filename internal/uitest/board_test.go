package uitest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trialStream is a one-step stream that takes one item at a time.
const trialStream = `schema: svcflow/stream/v1
id: kanban-trial
revision: 1
name: Kanban trial
reopen_to: fix
applies_to: {categories: [kanban-trial]}
steps:
  - id: fix
    name: Fix it
    activity: deliver_support
    team: service-desk
    wip_limit: 1
    raci: {accountable: service-desk-lead}
    resolves: true
    next: [{to: value}]
`

// brokenStream has three mistakes, on lines 9, 12 and 13.
const brokenStream = `schema: svcflow/stream/v1
id: broken-trial
revision: 1
name: Broken trial
applies_to: {categories: [broken-trial]}
steps:
  - id: fix
    name: Fix it
    activity: tinker
    team: service-desk
    raci: {accountable: service-desk-lead}
    wip_limit: -2
    next: [{to: nowhere}]
`

// upload pastes a definition into the admin's upload page and sends it.
func upload(p *person, def string) {
	p.t.Helper()
	p.open("/admin/streams/upload")
	p.fill("#stream-source", def)
	p.click(`form[action="/admin/streams/upload"] button[type=submit]`)
}

// TestStreamUploadShowsLineErrors: an invalid definition is shown back with
// line numbers, each problem under the line it is about, and nothing is
// stored.
func TestStreamUploadShowsLineErrors(t *testing.T) {
	start(t)
	admin := newPerson(t, adminEmail)
	upload(admin, brokenStream)
	if st := admin.status(); st != http.StatusUnprocessableEntity {
		t.Fatalf("invalid upload: %d, want 422", st)
	}
	for _, line := range []int{9, 12, 13} {
		sel := `#L` + strconv.Itoa(line)
		if !exists(admin, sel) {
			t.Fatalf("no numbered line %d", line)
		}
		next := eval[string](admin, `(() => { const n = document.querySelector("`+sel+`").nextElementSibling; return n && n.classList.contains("src-error") ? n.textContent : "" })()`)
		if !strings.HasPrefix(next, "line "+strconv.Itoa(line)) {
			t.Errorf("under line %d: %q, want its problem", line, next)
		}
	}
	if top := admin.text(".source-problems ul"); !strings.Contains(top, "line 9") || !strings.Contains(top, "line 13") {
		t.Errorf("the list of problems: %q", top)
	}
	admin.accessible("upload with errors")
	admin.shot("41-upload-errors")
	admin.open("/streams/broken-trial")
	if st := admin.status(); st != http.StatusNotFound {
		t.Errorf("the broken stream was stored: /streams/broken-trial answers %d", st)
	}
}

// TestBoardRefusesPullAtWIPLimit: a stream uploaded by the admin runs at
// once; on its board, pulling a second card into its one-at-a-time step is
// refused with the reason, and the card stays queued.
func TestBoardRefusesPullAtWIPLimit(t *testing.T) {
	start(t)
	admin := newPerson(t, adminEmail)
	upload(admin, trialStream)
	if loc := admin.location(); !strings.HasSuffix(loc, "/streams/kanban-trial") {
		t.Fatalf("after a valid upload the admin is at %s\n%s", loc, admin.text("main"))
	}
	api := newAPIClient(t, agentEmail)
	first := api.open(`{"kind":"incident","title":"First card","category":"kanban-trial"}`)
	second := api.open(`{"kind":"incident","title":"Second card","category":"kanban-trial"}`)

	agent := newPerson(t, agentEmail)
	if got := boardInProgress(agent, "kanban-trial", "fix"); got != 0 {
		t.Fatalf("in progress before any pull: %d", got)
	}
	agent.click(`form[action="/streams/kanban-trial/board/pull"]:has(input[value="` + first + `"]) button`)
	if got := boardInProgress(agent, "kanban-trial", "fix"); got != 1 {
		t.Errorf("in progress after the first pull: %d, want 1", got)
	}
	if got := mapInProgress(agent, "kanban-trial", "fix"); got != 1 {
		t.Errorf("the live map shows %d in progress, want 1", got)
	}
	agent.open("/streams/kanban-trial/board")
	agent.click(`form[action="/streams/kanban-trial/board/pull"]:has(input[value="` + second + `"]) button`)
	if st := agent.status(); st != http.StatusConflict {
		t.Errorf("pulling into the full step: %d, want 409", st)
	}
	if msg := agent.text("[role=alert]"); !strings.Contains(msg, "WIP limit (1 of 1 in progress)") {
		t.Errorf("the refusal says %q", msg)
	}
	agent.accessible("board with a refused pull")
	agent.shot("42-board-wip-refused")
	if got := boardInProgress(agent, "kanban-trial", "fix"); got != 1 {
		t.Errorf("in progress after the refused pull: %d, want 1", got)
	}
	if n := eval[int](agent, `document.querySelectorAll('section.column[data-step="fix"] form input[value="`+second+`"]').length`); n != 1 {
		t.Errorf("the refused card is no longer offered to pull from the queue")
	}
}

// TestLiveMapUpdatesItself: a live map left open shows new work at its
// step without the page being reloaded.
func TestLiveMapUpdatesItself(t *testing.T) {
	start(t)
	agent := newPerson(t, agentEmail)
	agent.open("/streams/restore-live-service?every=5")
	queue := func() int {
		return eval[int](agent, `Number(document.querySelector('svg [data-step="register"]').dataset.queue)`)
	}
	before := queue()
	eval[bool](agent, `(() => { window.__notReloaded = true; return true })()`)
	newAPIClient(t, requesterEmail).open(`{"kind":"incident","title":"Shared drive is read-only"}`)
	deadline := time.Now().Add(30 * time.Second)
	for queue() == before && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	if got := queue(); got != before+1 {
		t.Errorf("the live map's queue at register is %d after a new incident, want %d", got, before+1)
	}
	if !eval[bool](agent, `window.__notReloaded === true`) {
		t.Error("the page was reloaded rather than updated in place")
	}
	if got := agent.text("#live-status"); !strings.HasPrefix(got, "Updated at") {
		t.Errorf("the live status says %q", got)
	}
	agent.click("#live-toggle")
	if got := eval[string](agent, `document.getElementById("live-toggle").getAttribute("aria-pressed")`); got != "false" {
		t.Errorf("after pausing, aria-pressed is %q", got)
	}
}
