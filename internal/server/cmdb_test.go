package server

import (
	"testing"
)

// TestImpactThroughTwoLevels: a database used by an application that a
// business service relies on; the impact of the database reaches the
// service through two relationships, and a work item on the database shows
// the same impact.
func TestImpactThroughTwoLevels(t *testing.T) {
	e := newTestEnv(t)
	for _, ci := range []map[string]any{
		{"id": "payroll-db", "name": "Payroll database", "class": "database"},
		{"id": "payroll-vm", "name": "Payroll VM", "class": "virtual_machine"},
		{"id": "payroll-app", "name": "Payroll application", "class": "application",
			"relationships": []map[string]any{{"to": "payroll-db", "type": "depends_on"}, {"to": "payroll-vm", "type": "runs_on"}}},
		{"id": "payroll", "name": "Payroll", "class": "business_service",
			"relationships": []map[string]any{{"to": "payroll-app", "type": "depends_on"}}},
	} {
		e.must(201, "ada", "POST", "/api/v1/cis", ci)
	}
	var imp struct {
		Downstream []struct {
			ID       string
			Distance int
		}
		Services []struct {
			ID       string
			Distance int
		}
	}
	e.must(200, "alice", "GET", "/api/v1/cis/payroll-db/impact", nil).json(t, &imp)
	found := false
	for _, s := range imp.Services {
		if s.ID == "payroll" && s.Distance == 2 {
			found = true
		}
	}
	if !found || len(imp.Downstream) != 2 {
		t.Errorf("impact of the database: %+v", imp)
	}
	w := e.open("alice", map[string]any{"kind": "incident", "title": "DB slow", "cis": []string{"payroll-db"}, "requested_for": "ursula"})
	var imp2 struct{ Services []struct{ ID string } }
	e.must(200, "ursula", "GET", "/api/v1/work-items/"+w.ID+"/impact", nil).json(t, &imp2)
	if len(imp2.Services) != 1 || imp2.Services[0].ID != "payroll" {
		t.Errorf("item impact: %+v", imp2)
	}
	e.must(422, "alice", "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "x", "cis": []string{"nope"}})
	e.must(403, "alice", "POST", "/api/v1/cis", map[string]any{"id": "x", "name": "X", "class": "server"})
}

// TestCatalogueForm: a catalogue entry's form is checked field by field on
// submission; a valid answer opens the entry's kind and category.
func TestCatalogueForm(t *testing.T) {
	e := newTestEnv(t)
	e.must(201, "ada", "POST", "/api/v1/services", map[string]any{"id": "laptops", "name": "Laptops", "catalogue": []map[string]any{{
		"id": "new-laptop", "name": "New laptop", "kind": "service_request", "category": "hardware",
		"fields": []map[string]any{
			{"id": "model", "label": "Model", "type": "choice", "required": true, "choices": []string{"13-inch", "15-inch"}},
			{"id": "needed_by", "label": "Needed by", "type": "date"},
			{"id": "for", "label": "For", "type": "person", "required": true},
			{"id": "note", "label": "Note", "type": "text", "max_length": 10},
		},
	}}})
	r := e.must(422, "ursula", "POST", "/api/v1/work-items", map[string]any{"catalogue": "laptops/new-laptop",
		"form": map[string]string{"model": "17-inch", "needed_by": "next week", "note": "far too long a note", "colour": "red"}})
	var p problem
	r.json(t, &p)
	fields := map[string]bool{}
	for _, f := range p.Errors {
		fields[f.Field] = true
	}
	for _, want := range []string{"form.model", "form.needed_by", "form.for", "form.note", "form.colour"} {
		if !fields[want] {
			t.Errorf("no error for %s: %+v", want, p.Errors)
		}
	}
	w := e.open("ursula", map[string]any{"catalogue": "laptops/new-laptop", "form": map[string]string{"model": "13-inch", "for": "victor", "needed_by": "2026-04-01"}})
	if w.Kind != "service_request" || w.Category != "hardware" || w.Service != "laptops" || w.Title != "New laptop" || w.Form["model"] != "13-inch" {
		t.Errorf("opened %+v", w)
	}
}
