package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// ruleRequest is the body of POST /api/v1/rules and of a dry-run of an
// unsaved rule: the rule as JSON, or a rule file (svcflow/rule/v1) holding
// one rule as YAML text. A JSON rule without enabled is enabled.
type ruleRequest struct {
	Rule *svcflow.Rule `json:"rule,omitempty"`
	YAML string        `json:"yaml,omitempty"`
}

type ruleList struct {
	Items []*svcflow.Rule `json:"items"`
}

// decodeRule reads a ruleRequest into one rule; a YAML file's problems
// come back as field errors naming the line and column.
func (s *Server) decodeRule(w http.ResponseWriter, r *http.Request) (*svcflow.Rule, error) {
	in := ruleRequest{Rule: &svcflow.Rule{Enabled: true}}
	if err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	return ruleOf(in)
}

func ruleOf(in ruleRequest) (*svcflow.Rule, error) {
	if in.YAML == "" {
		if in.Rule == nil || in.Rule.ID == "" && in.Rule.Name == "" && len(in.Rule.Then) == 0 {
			return nil, newProblem("invalid", "give the rule as rule (JSON) or yaml (a rule file)", fieldError{Field: "rule", Detail: "missing"})
		}
		return in.Rule, nil
	}
	if in.Rule != nil && (in.Rule.ID != "" || len(in.Rule.Then) > 0) {
		return nil, newProblem("invalid", "give rule or yaml, not both", fieldError{Field: "yaml", Detail: "given with rule"})
	}
	rules, diags := streamdef.ParseRules("yaml", []byte(in.YAML))
	if streamdef.HasErrors(diags) {
		var fes []fieldError
		for _, d := range diags {
			if d.Severity == svcflow.SeverityError {
				fes = append(fes, fieldError{Field: "yaml." + d.Path, Detail: fmt.Sprintf("line %d, column %d: %s", d.Line, d.Column, d.Message)})
			}
		}
		return nil, newProblem("invalid", fmt.Sprintf("the rule file has %d errors; the first: %s", len(fes), fes[0].Detail), fes...)
	}
	if len(rules) != 1 {
		return nil, newProblem("invalid", fmt.Sprintf("the rule file holds %d rules; send one at a time", len(rules)), fieldError{Field: "yaml", Detail: "expected one rule"})
	}
	return rules[0], nil
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.desk.ListRules(r.Context(), personOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ruleList{Items: nonNil(rules)})
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request) error {
	rule, err := s.decodeRule(w, r)
	if err != nil {
		return err
	}
	if err := s.desk.SaveRule(r.Context(), personOf(r), rule); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request) error {
	rule, err := s.desk.Rule(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rule)
}

func (s *Server) setRuleEnabled(on bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rule, err := s.desk.SetRuleEnabled(r.Context(), personOf(r), r.PathValue("id"), on)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, rule)
	}
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) error {
	if err := s.desk.DeleteRule(r.Context(), personOf(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func dryRunDays(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return 7, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > desk.MaxDryRunDays {
		return 0, newProblem("invalid", fmt.Sprintf("days must be 1 to %d", desk.MaxDryRunDays),
			fieldError{Field: "days", Detail: fmt.Sprintf("expected 1 to %d, got %q", desk.MaxDryRunDays, v)})
	}
	return n, nil
}

// dryRunRule replays a saved rule over the last days of the log.
func (s *Server) dryRunRule(w http.ResponseWriter, r *http.Request) error {
	days, err := dryRunDays(r)
	if err != nil {
		return err
	}
	rule, err := s.desk.Rule(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	rep, err := s.desk.DryRunRule(r.Context(), personOf(r), rule, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// dryRunNewRule replays a rule given in the body, without saving it.
func (s *Server) dryRunNewRule(w http.ResponseWriter, r *http.Request) error {
	days, err := dryRunDays(r)
	if err != nil {
		return err
	}
	rule, err := s.decodeRule(w, r)
	if err != nil {
		return err
	}
	rep, err := s.desk.DryRunRule(r.Context(), personOf(r), rule, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
