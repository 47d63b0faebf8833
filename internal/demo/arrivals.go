package demo

import (
	"fmt"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// arrivalsPerWorkday is the mean number of contacts on a weekday; weekends
// see weekendShare of it. About 34 a weekday gives 800–900 items a month.
const (
	arrivalsPerWorkday = 34
	weekendShare       = 0.12
)

// hourProfile weights the hours 08–17 of a weekday: a morning peak, a
// lunch dip, a smaller afternoon peak.
var hourProfile = []float64{0.7, 1.3, 1.4, 1.2, 0.8, 1.0, 1.2, 1.1, 0.9, 0.6}

// arrivalTime draws when on day a contact arrives.
func (s *sim) arrivalTime(day time.Time) time.Time {
	if !isWorkday(day) {
		return day.Add(9*time.Hour + s.between(0, 8*time.Hour))
	}
	h := s.weighted(hourProfile)
	return day.Add(time.Duration(dayStart+h)*time.Hour + s.between(0, time.Hour))
}

// planArrivals fills the agenda with the month's work: Poisson arrivals of
// everyday contacts, and a few planned pieces of bigger work spread over
// the period.
func (s *sim) planArrivals() {
	for day := midnight(s.start); day.Before(s.end); day = day.AddDate(0, 0, 1) {
		rate := float64(arrivalsPerWorkday)
		if !isWorkday(day) {
			rate *= weekendShare
		}
		for range s.poisson(rate) {
			t := s.arrivalTime(day)
			if t.Before(s.start) || !t.Before(s.end) {
				continue
			}
			s.at(nil, trackArrival, t, s.arrive)
		}
	}
	span := s.end.Sub(s.start)
	days := span.Hours() / 24
	count := func(perMonth float64) int { return max(1, int(perMonth*days/30+0.5)) }
	special := func(n int, from, to float64, f func(i int) error) {
		for i := range n {
			frac := from + (to-from)*(float64(i)+s.rng.Float64())/float64(n)
			t := addBusiness(s.start.Add(time.Duration(frac*float64(span))), s.between(0, 9*time.Hour))
			if t.Before(s.end) {
				s.at(nil, trackArrival, t, func() error { return f(i) })
			}
		}
	}
	special(count(3), 0.1, 0.95, s.majorIncident)
	special(count(4), 0, 0.6, s.problem)
	special(count(2), 0.02, 0.4, s.demand)
	special(count(5), 0.05, 0.9, s.improvement)
}

// arrive opens one everyday contact, of a kind drawn from the mix.
func (s *sim) arrive() error {
	mix := []struct {
		weight float64
		open   func() error
	}{
		{52, s.userIncident},
		{5, s.alert},
		{6, s.deskPassword},
		{7, s.selfServicePassword},
		{18, s.catalogueRequest},
		{6, s.hrAccess},
		{1.5, s.onboarding},
		{4, s.change},
	}
	ws := make([]float64, len(mix))
	for i, m := range mix {
		ws[i] = m.weight
	}
	return mix[s.weighted(ws)].open()
}

func (s *sim) requester() *svcflow.Person { return pick(s.rng, s.dir.requesters) }

// serviceFor picks the service a requester has trouble with; stores
// mostly have trouble with their tills.
func (s *sim) serviceFor(p *svcflow.Person) string {
	ids := []string{"email", "vpn", "hr-portal", "payroll", "crm", "laptop", "accounts", "pos", "network"}
	ws := []float64{5, 3, 2, 1, 4, 4, 2, 0.5, 2}
	if p.Organisation == "retail-stores" || p.Organisation == "franchise-partners" {
		ws = []float64{3, 0.5, 2, 0.5, 2, 1, 2, 7, 2}
	}
	return ids[s.weighted(ws)]
}

func (s *sim) impactUrgency() (int, int) {
	return 1 + s.weighted([]float64{0.04, 0.26, 0.7}), 1 + s.weighted([]float64{0.15, 0.45, 0.4})
}

// recentOpen returns a recent open contact on the same service, which a
// new contact may duplicate.
func (s *sim) recentOpen(service string) *item {
	for i := len(s.order) - 1; i >= 0 && i >= len(s.order)-40; i-- {
		it := s.order[i]
		if it.w.Service == service && it.stream.ID == "restore-live-service" && it.dupOf == "" &&
			!it.w.Status.IsFinal() && s.now.Sub(it.w.Created) < 8*time.Hour {
			return it
		}
	}
	return nil
}

// userIncident: a requester reports something broken, or asks a question.
func (s *sim) userIncident() error {
	r := s.requester()
	svc := s.serviceFor(r)
	in := desk.OpenInput{Service: svc}
	if qs := questions[svc]; len(qs) > 0 && s.chance(0.35) {
		in.Kind, in.Title, in.Category = svcflow.KindQuery, pick(s.rng, qs), "question"
		in.Impact, in.Urgency = 3, 2+s.rng.IntN(2)
	} else {
		is := pick(s.rng, issues[svc])
		in.Kind, in.Title, in.Category = svcflow.KindIncident, is.title, is.category
		in.Impact, in.Urgency = s.impactUrgency()
	}
	var dup *item
	if s.chance(0.05) {
		dup = s.recentOpen(svc)
	}
	it, err := s.open(r, in, r)
	if err == nil && dup != nil {
		it.dupOf = dup.w.ID // read when the desk picks it up
	}
	return err
}

// alert: monitoring reports a failure; it skips registration.
func (s *sim) alert() error {
	a := pick(s.rng, alerts)
	_, err := s.open(s.dir.monitoring, desk.OpenInput{
		Kind: svcflow.KindIncident, Title: a.title, Description: "Raised by the monitoring system.",
		Category: "alert", Service: a.service, Impact: 2, Urgency: 2 + s.rng.IntN(2), Entry: "monitoring",
	}, nil)
	return err
}

func (s *sim) deskPassword() error {
	r := s.requester()
	_, err := s.open(r, desk.OpenInput{
		Kind: svcflow.KindServiceRequest, Title: pick(s.rng, passwordTitles), Category: "password-reset",
		Service: "accounts", Impact: 3, Urgency: 2,
	}, r)
	return err
}

// selfServicePassword: the portal opens the reset for the requester at the
// self-service entry point, which a requester may not choose themselves.
func (s *sim) selfServicePassword() error {
	r := s.requester()
	_, err := s.open(s.dir.portal, desk.OpenInput{
		Kind: svcflow.KindServiceRequest, Title: "Password reset on the self-service portal", Description: "Identity verified by a one-time code.",
		Category: "password-reset", Service: "accounts", Impact: 3, Urgency: 2, RequestedFor: r.ID, Entry: "self_service",
	}, r)
	return err
}

// catalogueRequest: something from the catalogue; costly items (impact 2)
// need the line manager's approval, so the line manager watches.
func (s *sim) catalogueRequest() error {
	r := s.requester()
	entries := []struct {
		id, service, category string
		impact                int
		weight                float64
	}{
		{"new-laptop", "laptop", "hardware", 2, 3},
		{"monitor", "laptop", "peripheral", 3, 3},
		{"software-install", "laptop", "software", 3, 4},
		{"crm-licence", "crm", "licence", 2, 2},
		{"vpn-access", "vpn", "access", 3, 3},
		{"shared-mailbox", "email", "mailbox", 3, 2},
	}
	ws := make([]float64, len(entries))
	for i, e := range entries {
		ws[i] = e.weight
	}
	e := entries[s.weighted(ws)]
	in := desk.OpenInput{
		Kind: svcflow.KindServiceRequest, Title: pick(s.rng, requestDetails[e.id]), Category: e.category,
		Service: e.service, Impact: e.impact, Urgency: 3 - s.weighted([]float64{0.8, 0.2}),
	}
	if m := s.dir.lineMgr[r.ID]; m != nil {
		in.Watchers = []string{m.ID}
	}
	_, err := s.open(r, in, r)
	return err
}

func (s *sim) hrAccess() error {
	r := s.requester()
	in := desk.OpenInput{
		Kind: svcflow.KindServiceRequest, Title: "Access to the HR application: " + pick(s.rng, hrRoles),
		Category: "hr-app-access", Service: "hr-portal", Impact: 3, Urgency: 3,
	}
	if m := s.dir.lineMgr[r.ID]; m != nil {
		in.Watchers = []string{m.ID}
	}
	_, err := s.open(r, in, r)
	return err
}

// onboarding: a hiring manager asks for everything a new hire needs.
func (s *sim) onboarding() error {
	h := pick(s.rng, s.dir.heads)
	starts := addBusiness(s.now, time.Duration(8+s.rng.IntN(8))*businessDay)
	_, err := s.open(h, desk.OpenInput{
		Kind: svcflow.KindServiceRequest, Title: fmt.Sprintf("New hire: %s starting %s", pick(s.rng, newHireJobs), starts.Format("Mon 2 Jan")),
		Category: "onboarding", Service: "hr-portal", Impact: 3, Urgency: 2,
	}, h)
	return err
}

// change: the IT teams raise changes; most are standard (pre-authorised).
func (s *sim) change() error {
	owners := []string{"jonas-berg", "aisha-rahman", "diego-alvarez", "elena-petrova", "grace-liu"}
	who := s.dir.byID[pick(s.rng, owners)]
	in := desk.OpenInput{Kind: svcflow.KindChange, Urgency: 3}
	switch r := s.rng.Float64(); {
	case r < 0.6:
		c := pick(s.rng, standardChanges)
		in.Title, in.Service, in.Category, in.Impact = c.title, c.service, "standard", 3
	case r < 0.95:
		c := pick(s.rng, normalChanges)
		in.Title, in.Service, in.Category, in.Impact = c.title, c.service, "normal", 2
	default:
		c := pick(s.rng, normalChanges)
		who = s.dir.byID["grace-liu"]
		in.Title, in.Service, in.Category, in.Impact, in.Urgency, in.Entry = "Emergency: "+c.title, c.service, "emergency", 2, 1, "emergency"
	}
	_, err := s.open(who, in, nil)
	return err
}

// majorIncident: monitoring declares a P1; users report it too, and the
// desk links their reports to it as duplicates.
func (s *sim) majorIncident(i int) error {
	m := majors[i%len(majors)]
	it, err := s.open(s.dir.monitoring, desk.OpenInput{
		Kind: svcflow.KindIncident, Title: m.title, Description: "Declared from monitoring alerts.",
		Category: "major", Service: m.service, Impact: 1, Urgency: 1,
	}, nil)
	if err != nil {
		return err
	}
	for range 2 + s.rng.IntN(4) {
		s.at(nil, trackArrival, s.now.Add(s.between(3*time.Minute, 40*time.Minute)), func() error {
			r := s.requester()
			is := pick(s.rng, issues[m.service])
			u, err := s.open(r, desk.OpenInput{
				Kind: svcflow.KindIncident, Title: is.title, Category: is.category, Service: m.service, Impact: 2, Urgency: 1,
			}, r)
			if err != nil {
				return err
			}
			u.dupOf = it.w.ID
			return nil
		})
	}
	return nil
}

func (s *sim) problem(i int) error {
	p := problems[i%len(problems)]
	who := pick(s.rng, s.dir.agents("problem-management"))
	it, err := s.open(who, desk.OpenInput{
		Kind: svcflow.KindProblem, Title: p.title, Description: "Trend seen in incidents over the last weeks.",
		Service: p.service, Impact: 2, Urgency: 3,
	}, nil)
	if err == nil && i < 2 {
		// The first problems find their cause and raise a change, so the
		// demo always shows cascading streams.
		it.force = map[string]string{"analyse": "root_cause_found", "record-known-error": "permanent_fix", "verify-fix": "cause_removed"}
	}
	return err
}

func (s *sim) demand(i int) error {
	d := demands[i%len(demands)]
	h := s.dir.heads[i%len(s.dir.heads)]
	_, err := s.open(h, desk.OpenInput{
		Kind: svcflow.KindDemand, Title: d.title, Description: d.story, Service: d.service, Impact: 2, Urgency: 3,
	}, h)
	return err
}

// improvement raises an idea of the register with its success criterion;
// the register's job measures it once the window after its measuring
// step begins has passed.
func (s *sim) improvement(i int) error {
	who := pick(s.rng, append(s.dir.agents("improvement-team"), s.dir.manager))
	idea := improvementIdeas[i%len(improvementIdeas)]
	v, err := s.d.RaiseImprovement(s.ctx, who, desk.RaiseInput{
		Title: idea.title, Description: "From the monthly review of flow metrics and feedback.",
		Register: svcflow.Improvement{ProblemObserved: idea.problem, ProposedAction: idea.action, Stream: idea.stream,
			Criterion: svcflow.Criterion{Metric: idea.metric, Direction: idea.direction, Target: idea.target,
				Window: svcflow.Duration{Calendar: 7 * 24 * time.Hour}}},
	})
	if err != nil {
		return fmt.Errorf("demo: raise %q at %s: %w", idea.title, s.now.Format(time.RFC3339), err)
	}
	s.commands++
	return s.update(s.track(v.Item, nil), v.Item)
}
