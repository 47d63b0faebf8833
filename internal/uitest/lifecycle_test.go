package uitest

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const (
	requesterEmail = "olivia.hart@demo.svcflow.test"
	agentEmail     = "sam.okafor@demo.svcflow.test"
	managerEmail   = "morgan.blake@demo.svcflow.test"
	adminEmail     = "admin@demo.svcflow.test"
)

// mapInProgress reads a step's work in progress from the stream's live map.
func mapInProgress(p *person, stream, step string) int {
	p.t.Helper()
	p.open("/streams/" + stream)
	return eval[int](p, `Number(document.querySelector('svg [data-step="`+step+`"]').dataset.inProgress)`)
}

// boardInProgress reads a step's work in progress from the stream's board.
func boardInProgress(p *person, stream, step string) int {
	p.t.Helper()
	p.open("/streams/" + stream + "/board")
	return eval[int](p, `Number(document.querySelector('section.column[data-step="`+step+`"]').dataset.inProgress)`)
}

// itemStep is the step the item's page says it is at.
func itemStep(p *person) string {
	p.t.Helper()
	return eval[string](p, `(document.querySelector("main > p strong") || {textContent: ""}).textContent`)
}

// TestRequestLifecycle follows a catalogue request through the browser: the
// requester sends it and finds it at home; an agent pulls it, which the
// stream's live map and board both count, and escalates it to application
// support, where a specialist completes the step; the agent pulls it again
// at fulfilment and resolves it; the requester rates it and confirms the
// fix.
func TestRequestLifecycle(t *testing.T) {
	start(t)
	const stream, first = "request-fulfilment", "log-request"
	req := newPerson(t, requesterEmail)
	req.open("/portal")
	req.accessible("portal")
	req.shot("03-portal")
	req.click(`a[href="/portal/request/laptop/monitor"]`)
	req.accessible("request form")
	req.fill("#title", "A second monitor for the design work")
	req.fill("#description", "A 27-inch one, please, for the new desk by the window.")
	req.shot("04-request-form")
	req.click(`button[name=step][value=send]`)
	loc := req.location()
	if !strings.Contains(loc, "/items/REQ-") {
		t.Fatalf("after sending, the requester is at %s, want the item's page", loc)
	}
	id := path.Base(loc)
	if h := req.text("h1"); !strings.Contains(h, "A second monitor for the design work") {
		t.Errorf("item page heading %q", h)
	}
	req.open("/")
	if n := eval[int](req, `document.querySelectorAll('main a[href="/items/`+id+`"]').length`); n != 1 {
		t.Errorf("the requester's home lists %s %d times, want once", id, n)
	}

	agent := newPerson(t, agentEmail)
	mapBefore, boardBefore := mapInProgress(agent, stream, first), boardInProgress(agent, stream, first)
	agent.open("/items/" + id)
	if got := itemStep(agent); got == "" {
		t.Fatalf("%s is at no step", id)
	}
	agent.click(`button[name=action][value=start]`)
	if agent.status() != http.StatusOK {
		t.Fatalf("start: %d at %s", agent.status(), agent.location())
	}
	if got := mapInProgress(agent, stream, first); got != mapBefore+1 {
		t.Errorf("live map: %s in progress %d after the start, want %d", first, got, mapBefore+1)
	}
	agent.accessible("live map")
	agent.shot("07-live-map")
	if got := boardInProgress(agent, stream, first); got != boardBefore+1 {
		t.Errorf("board: %s in progress %d after the start, want %d", first, got, boardBefore+1)
	}
	agent.accessible("board")
	agent.shot("08-board")
	agent.open("/items/" + id)
	agent.accessible("item page (agent)")
	agent.shot("06-item-agent")
	eval[bool](agent, `(() => { const s = document.querySelector("select[name=team]"); s.value = "application-support"; return true })()`)
	agent.click(`button[name=action][value=escalate]`)
	if txt := agent.text("ol.timeline"); !strings.Contains(txt, "queue of application-support") {
		t.Errorf("the timeline does not tell of the escalation:\n%s", txt)
	}
	agent.open("/work")
	agent.accessible("team queues")
	agent.shot("05-team-queues")

	// A specialist of the team it went to takes it: the admin gives one a
	// password on the person's page, and they sign in and complete the step.
	var people struct {
		Items []struct {
			ID, Email, Role string
			Teams           []string
		}
	}
	newAPIClient(t, adminEmail).get("/api/v1/people", &people)
	specialist := ""
	for _, x := range people.Items {
		if x.Role == "agent" && slices.Contains(x.Teams, "application-support") && specialist == "" {
			specialist = x.ID
			admin := newPerson(t, adminEmail)
			admin.open("/admin/people/" + x.ID)
			admin.fill("#person-password", "a specialist's password")
			admin.click(`form[action="/admin/people/` + x.ID + `"] button[type=submit]`)
			if st := admin.status(); st != http.StatusOK {
				t.Fatalf("set the specialist's password: %d\n%s", st, admin.text("main"))
			}
			spec := signedIn(t, x.Email, "a specialist's password")
			spec.open("/items/" + id)
			spec.click(`button[name=action][value=start]`)
			spec.click(`button[name=action][value=complete][form], form:has(input[name=outcome][value=complete]) button[name=action][value=complete]`)
			if st := spec.status(); st != http.StatusOK {
				t.Fatalf("the specialist's completion: %d\n%s", st, spec.text("main"))
			}
		}
	}
	if specialist == "" {
		t.Fatal("the demo has no application-support agent")
	}

	// Back with the service desk for fulfilment (the approval step approves
	// a portal request of ordinary impact by itself): the agent pulls it
	// again and resolves it.
	agent.open("/items/" + id)
	if got := itemStep(agent); !strings.Contains(got, "Fulfil") {
		t.Fatalf("after the specialist, %s is at %q, want the fulfilment step", id, got)
	}
	agent.click(`button[name=action][value=start]`)
	agent.click(`button[name=action][value=complete]`)
	if got := agent.text("main > p"); !strings.Contains(got, "Resolved") {
		t.Fatalf("%s is not resolved after the agent's work: %s", id, got)
	}

	req.open("/items/" + id)
	req.accessible("item page (requester, resolved)")
	req.shot("09-item-requester-resolved")
	eval[bool](req, `(() => { document.querySelector('input[name=score][value="5"]').checked = true; return true })()`)
	req.fill("#fb", "Quick and friendly, thank you.")
	req.click(`button[name=action][value=feedback]`)
	req.click(`button[name=action][value=close]`)
	if got := req.text("main > p"); !strings.Contains(got, "Closed") {
		t.Errorf("after confirming, the item is %q, want Closed", got)
	}
	if txt := req.text("ol.timeline"); !strings.Contains(txt, "5") {
		t.Errorf("the timeline does not show the rating:\n%s", txt)
	}
	if n := eval[int](req, `document.querySelectorAll("button[name=action][value=reopen]").length`); n != 0 {
		t.Errorf("a closed item still offers %d reopen buttons", n)
	}
}

// exists tells whether the page has an element matching sel.
func exists(p *person, sel string) bool {
	p.t.Helper()
	return eval[bool](p, `document.querySelector('`+sel+`') !== null`)
}

// TestSuggestionsAsTheyType: describing a problem on the portal brings up
// matching articles while the requester types; "This solved it" ends it
// there, with nothing sent to the desk.
func TestSuggestionsAsTheyType(t *testing.T) {
	start(t)
	req := newPerson(t, requesterEmail)
	req.open("/portal/request/-/problem")
	req.do("type", chromedp.SendKeys(chromedp.CSS("#title"), "The VPN disconnects all the time"))
	req.waitFor("#typed-suggestions article")
	if got := req.text("#typed-suggestions"); !strings.Contains(got, "VPN disconnects every few minutes") {
		t.Errorf("suggestions while typing: %q", got)
	}
	if v := eval[string](req, `document.querySelector("[name=suggestions_seen]").value`); v != "1" {
		t.Errorf("the form does not note that suggestions were seen: %q", v)
	}
	req.accessible("problem form with suggestions")
	req.shot("43-suggestions-as-you-type")
	req.click(`#typed-suggestions article button[type=submit]`)
	if h := req.text("h1"); h != "Glad that helped" {
		t.Errorf("after this solved it: %q", h)
	}
}
