package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// The automation rule pages: the rules, switched on and off from the list,
// and an editor that takes one rule as a YAML rule file and shows each
// problem under its line. The editor can also dry-run the rule as written
// over the last days of the log, saving nothing.

// ruleRow is a rule in the list.
type ruleRow struct {
	*svcflow.Rule
	On, Then string
}

// adminRulesView is the rules page.
type adminRulesView struct {
	Rules []ruleRow
}

// ruleEditor is the rule editor as shown.
type ruleEditor struct {
	Action, ID, YAML, Version string
	Days                      int
	MaxDays                   int
	New                       bool
	Source                    *sourceView // the YAML with its problems, when refused
	DryRun                    *desk.DryRunReport
}

func (s *Server) adminRules(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showRules(w, r, p, sess, http.StatusOK, savedNotice(r))
}

func (s *Server) showRules(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, notice string) error {
	rules, err := s.desk.ListRules(r.Context(), p)
	if err != nil {
		return err
	}
	var v adminRulesView
	for _, ru := range rules {
		on := make([]string, len(ru.On))
		for i, t := range ru.On {
			on[i] = string(t)
		}
		v.Rules = append(v.Rules, ruleRow{Rule: ru, On: strings.Join(on, ", "), Then: thenText(ru.Then)})
	}
	d := s.adminData(p, sess, "Automation rules", v)
	d.Notice = notice
	return render(w, status, "adminrules", d)
}

// thenText names a rule's actions, for the list.
func thenText(actions []svcflow.RuleAction) string {
	b, err := json.Marshal(actions)
	if err != nil {
		return ""
	}
	var maps []map[string]json.RawMessage
	if json.Unmarshal(b, &maps) != nil {
		return ""
	}
	var names []string
	for _, m := range maps {
		for k, v := range m {
			if string(v) == "true" {
				names = append(names, k)
			} else {
				names = append(names, k+" "+strings.Trim(string(v), `"`))
			}
		}
	}
	return strings.Join(names, ", ")
}

// ruleYAML writes a rule as a rule file, fields in their usual order.
// JSON is YAML, so the rule's JSON read as a YAML node keeps the order;
// clearing the JSON styles makes it block YAML.
func ruleYAML(ru *svcflow.Rule) (string, error) {
	b, err := json.Marshal(ru)
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return "", err
	}
	var plain func(n *yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&doc)
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		m.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "schema"}, {Kind: yaml.ScalarNode, Value: streamdef.RuleSchema}}, m.Content...)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", err
	}
	return out.String(), enc.Close()
}

// newRuleTemplate is what the editor starts a new rule with.
const newRuleTemplate = `schema: svcflow/rule/v1
id: my-rule
name: Say what the rule does
description: Why it exists, for whoever reads it next.
enabled: false
on: [created]
if: kind == incident and priority == P1
then:
  - route: service-desk
`

func (s *Server) showRule(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, e ruleEditor, problem string) error {
	title := "New automation rule"
	if !e.New {
		title = "Automation rule " + e.ID
	}
	if e.Days == 0 {
		e.Days = 7
	}
	e.MaxDays = desk.MaxDryRunDays
	d := s.adminData(p, sess, title, e)
	d.Error = problem
	return render(w, status, "adminrule", d)
}

func (s *Server) adminRuleNew(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showRule(w, r, p, sess, http.StatusOK, ruleEditor{Action: "/admin/rules/new", New: true, YAML: newRuleTemplate}, "")
}

// storedRule loads the rule of the path; nil when there is none.
func (s *Server) storedRule(r *http.Request, p *svcflow.Person) (*svcflow.Rule, error) {
	ru, err := s.desk.Rule(r.Context(), p, r.PathValue("id"))
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return nil, nil
	}
	return ru, err
}

func (s *Server) ruleEditorOf(ru *svcflow.Rule) (ruleEditor, error) {
	text, err := ruleYAML(ru)
	return ruleEditor{Action: "/admin/rules/" + ru.ID, ID: ru.ID, YAML: text, Version: formVersion(ru)}, err
}

func (s *Server) adminRuleEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	ru, err := found(s.storedRule(r, p))
	if err != nil {
		return err
	}
	e, err := s.ruleEditorOf(ru)
	if err != nil {
		return err
	}
	return s.showRule(w, r, p, sess, http.StatusOK, e, savedNotice(r))
}

// readDays reads the dry-run window, in days.
func readDays(v string) (int, bool) {
	if v == "" {
		return 7, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= desk.MaxDryRunDays
}

func (s *Server) adminRuleDryRun(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	ru, err := found(s.storedRule(r, p))
	if err != nil {
		return err
	}
	e, err := s.ruleEditorOf(ru)
	if err != nil {
		return err
	}
	days, ok := readDays(r.URL.Query().Get("days"))
	if !ok {
		return s.showRule(w, r, p, sess, http.StatusUnprocessableEntity, e, fmt.Sprintf("Days must be a whole number from 1 to %d.", desk.MaxDryRunDays))
	}
	e.Days = days
	if e.DryRun, err = s.desk.DryRunRule(r.Context(), p, ru, days); err != nil {
		return err
	}
	return s.showRule(w, r, p, sess, http.StatusOK, e, "")
}

var ruleIDLine = regexp.MustCompile(`(?m)^id\s*:`)

// lineOf returns the line of the first match of re in text, or 0.
func lineOf(re *regexp.Regexp, text string) int {
	loc := re.FindStringIndex(text)
	if loc == nil {
		return 0
	}
	return strings.Count(text[:loc[0]], "\n") + 1
}

// adminRuleSubmit saves, or dry-runs, the rule of the editor.
func (s *Server) adminRuleSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	isNew := r.PathValue("id") == ""
	e := ruleEditor{Action: "/admin/rules/new", New: true, YAML: strings.ReplaceAll(r.PostFormValue("yaml"), "\r\n", "\n"), Version: r.PostFormValue("version")}
	var stored *svcflow.Rule
	if !isNew {
		var err error
		if stored, err = found(s.storedRule(r, p)); err != nil {
			return err
		}
		e.Action, e.ID, e.New = "/admin/rules/"+stored.ID, stored.ID, false
	}
	days, ok := readDays(r.PostFormValue("days"))
	e.Days = days
	if !ok {
		e.Days = 7
		return s.showRule(w, r, p, sess, http.StatusUnprocessableEntity, e, fmt.Sprintf("Days must be a whole number from 1 to %d.", desk.MaxDryRunDays))
	}
	dry := r.PostFormValue("do") == "dry-run"
	if !dry && stored != nil && e.Version != formVersion(stored) {
		fresh, err := s.ruleEditorOf(stored)
		if err != nil {
			return err
		}
		return s.showRule(w, r, p, sess, http.StatusConflict, fresh, staleNotice)
	}
	rules, diags := streamdef.ParseRules("rule.yaml", []byte(e.YAML))
	var problems []sourceProblem
	for _, d := range diags {
		msg := d.Message
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		problems = append(problems, sourceProblem{Line: d.Line, Column: d.Column, Message: msg, Warning: d.Severity != svcflow.SeverityError})
	}
	var ru *svcflow.Rule
	switch {
	case streamdef.HasErrors(diags):
	case len(rules) != 1:
		problems = append(problems, sourceProblem{Line: 1, Message: fmt.Sprintf("the file holds %d rules; this page takes one at a time", len(rules))})
	case stored != nil && rules[0].ID != stored.ID:
		problems = append(problems, sourceProblem{Line: lineOf(ruleIDLine, e.YAML), Message: fmt.Sprintf(
			"this page edits the rule %s, not %s; to make a new rule, use “Write a new rule” on the rules page", stored.ID, rules[0].ID)})
	default:
		ru = rules[0]
	}
	if ru != nil && isNew && !dry {
		if other, err := s.desk.Rule(r.Context(), p, ru.ID); err == nil && other != nil {
			problems = append(problems, sourceProblem{Line: lineOf(ruleIDLine, e.YAML), Message: fmt.Sprintf("a rule %s exists already; edit it from the rules page, or choose another id", ru.ID)})
			ru = nil
		}
	}
	if ru == nil {
		e.Source = newSourceView(e.YAML, problems)
		return s.showRule(w, r, p, sess, http.StatusUnprocessableEntity, e, "The rule was not saved: "+plural(e.Source.Errors, "problem", "problems")+", each shown under its line.")
	}
	if dry {
		rep, err := s.desk.DryRunRule(r.Context(), p, ru, days)
		if fp, ok := problemsOf(err); err != nil && ok {
			return s.showRule(w, r, p, sess, http.StatusUnprocessableEntity, e, fp.Summary)
		} else if err != nil {
			return err
		}
		e.DryRun = rep
		return s.showRule(w, r, p, sess, http.StatusOK, e, "")
	}
	pre := desk.Precondition{New: true}
	if stored != nil {
		pre = desk.Precondition{Prev: stored}
	}
	if err := s.desk.SaveRule(r.Context(), p, ru, pre); err != nil {
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		return s.showRule(w, r, p, sess, http.StatusUnprocessableEntity, e, "The rule was not saved: "+fp.Summary)
	}
	seeOther(w, r, "/admin/rules", ru.ID)
	return nil
}

// adminRuleEnabled switches a rule on or off from the list.
func (s *Server) adminRuleEnabled(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
		if err := checkForm(w, r, sess); err != nil {
			return err
		}
		ru, err := found(s.storedRule(r, p))
		if err != nil {
			return err
		}
		if _, err := s.desk.SetRuleEnabled(r.Context(), p, ru.ID, on); err != nil {
			return err
		}
		seeOther(w, r, "/admin/rules", ru.ID)
		return nil
	}
}
