package svcflow

import (
	"fmt"
	"slices"
	"strings"
)

// ConditionFields are the work item fields a condition may test.
var conditionFields = []string{"kind", "category", "service", "priority", "impact", "urgency", "organisation", "status", "step", "team"}

// ConditionFields returns the fields a condition may name.
func ConditionFields() []string { return slices.Clone(conditionFields) }

// Condition is a parsed test on a work item's fields, such as
// `model == "standard" and risk in [low, medium]`. All clauses must hold.
type Condition struct {
	Clauses []Clause
}

// Clause is one comparison of a condition.
type Clause struct {
	Field  string
	Op     string // "==", "!=" or "in"
	Values []string
}

// ParseCondition parses clauses joined by "and", each `FIELD == VALUE`,
// `FIELD != VALUE` or `FIELD in [A, B]`. Values may be bare words or quoted.
func ParseCondition(s string) (Condition, error) {
	var c Condition
	if strings.TrimSpace(s) == "" {
		return c, fmt.Errorf("empty condition")
	}
	for i, part := range splitAnd(s) {
		cl, err := parseClause(strings.TrimSpace(part))
		if err != nil {
			return Condition{}, fmt.Errorf("clause %d %q: %w", i+1, strings.TrimSpace(part), err)
		}
		c.Clauses = append(c.Clauses, cl)
	}
	return c, nil
}

// splitAnd splits on the word "and" outside quotes and brackets.
func splitAnd(s string) []string {
	var parts []string
	depth, quote, start := 0, rune(0), 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0 && i+5 <= len(rs) && string(rs[i:i+5]) == " and ":
			parts = append(parts, string(rs[start:i]))
			start = i + 5
			i += 4
		}
	}
	return append(parts, string(rs[start:]))
}

func parseClause(s string) (Clause, error) {
	var cl Clause
	for _, op := range []string{"==", "!=", " in "} {
		field, rest, ok := strings.Cut(s, op)
		if !ok {
			continue
		}
		cl.Field = strings.TrimSpace(field)
		cl.Op = strings.TrimSpace(op)
		if !slices.Contains(conditionFields, cl.Field) {
			msg := fmt.Sprintf("unknown field %q; expected one of %s", cl.Field, strings.Join(conditionFields, ", "))
			if sug := Suggest(cl.Field, conditionFields); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
			return cl, fmt.Errorf("%s", msg)
		}
		rest = strings.TrimSpace(rest)
		if cl.Op == "in" {
			inner, ok := strings.CutPrefix(rest, "[")
			if inner, ok = strings.CutSuffix(inner, "]"); !ok {
				return cl, fmt.Errorf("expected a list like [a, b] after in")
			}
			for _, v := range strings.Split(inner, ",") {
				val, err := conditionValue(v)
				if err != nil {
					return cl, err
				}
				cl.Values = append(cl.Values, val)
			}
			return cl, nil
		}
		val, err := conditionValue(rest)
		if err != nil {
			return cl, err
		}
		cl.Values = []string{val}
		return cl, nil
	}
	return cl, fmt.Errorf("expected FIELD == VALUE, FIELD != VALUE or FIELD in [A, B]")
}

func conditionValue(v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1], nil
	}
	if v == "" || strings.ContainsAny(v, " \"'[],=!") {
		return "", fmt.Errorf("expected a value (a word or a quoted string), got %q", v)
	}
	return v, nil
}

// Match reports whether every clause holds for the given field values.
// A field that is absent compares as the empty string.
func (c Condition) Match(fields map[string]string) bool {
	for _, cl := range c.Clauses {
		v := fields[cl.Field]
		switch cl.Op {
		case "==":
			if v != cl.Values[0] {
				return false
			}
		case "!=":
			if v == cl.Values[0] {
				return false
			}
		case "in":
			if !slices.Contains(cl.Values, v) {
				return false
			}
		}
	}
	return true
}
