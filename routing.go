package svcflow

import (
	"fmt"
	"slices"
	"strings"
)

// Specificity ranks how narrowly a stream's applies_to names its work:
// naming services beats naming categories, which beats naming kinds only.
type Specificity struct {
	Services, Categories, Kinds bool
}

// Less reports whether a is less specific than b.
func (a Specificity) Less(b Specificity) bool {
	if a.Services != b.Services {
		return b.Services
	}
	if a.Categories != b.Categories {
		return b.Categories
	}
	return !a.Kinds && b.Kinds
}

// Specificity returns how specific the stream's routing is.
func (a AppliesTo) Specificity() Specificity {
	return Specificity{Services: len(a.Services) > 0, Categories: len(a.Categories) > 0, Kinds: len(a.Kinds) > 0}
}

// Matches reports whether work of the given kind, category and service
// falls under a. A stream with an empty applies_to matches nothing.
func (a AppliesTo) Matches(kind Kind, category, service string) bool {
	if a.IsZero() {
		return false
	}
	return (len(a.Kinds) == 0 || slices.Contains(a.Kinds, kind)) &&
		(len(a.Categories) == 0 || slices.Contains(a.Categories, category)) &&
		(len(a.Services) == 0 || slices.Contains(a.Services, service))
}

// overlaps reports whether some work matches both a and b. Both must have
// the same specificity, so the same lists are set.
func (a AppliesTo) overlaps(b AppliesTo) bool {
	meet := func(x, y []string) bool {
		if len(x) == 0 || len(y) == 0 {
			return true
		}
		return slices.ContainsFunc(x, func(v string) bool { return slices.Contains(y, v) })
	}
	return meet(kindStrings(a.Kinds), kindStrings(b.Kinds)) && meet(a.Categories, b.Categories) && meet(a.Services, b.Services)
}

// Route picks the stream for new work: the most specific matching stream,
// and among equally specific ones the one marked default. It returns an
// error when nothing matches or the tie cannot be broken; a validated set
// of streams has no such ties.
func Route(streams []*ValueStream, kind Kind, category, service string) (*ValueStream, error) {
	var best []*ValueStream
	var bestSpec Specificity
	for _, s := range streams {
		if !s.AppliesTo.Matches(kind, category, service) {
			continue
		}
		spec := s.AppliesTo.Specificity()
		switch {
		case len(best) == 0 || bestSpec.Less(spec):
			best, bestSpec = []*ValueStream{s}, spec
		case spec == bestSpec:
			best = append(best, s)
		}
	}
	switch len(best) {
	case 0:
		return nil, fmt.Errorf("no value stream takes %s work (category %q, service %q)", kind, category, service)
	case 1:
		return best[0], nil
	}
	var defaults []*ValueStream
	for _, s := range best {
		if s.Default {
			defaults = append(defaults, s)
		}
	}
	if len(defaults) == 1 {
		return defaults[0], nil
	}
	ids := make([]string, len(best))
	for i, s := range best {
		ids[i] = s.ID
	}
	return nil, fmt.Errorf("streams %s tie for %s work; mark one default", strings.Join(ids, ", "), kind)
}

// ValidateSet checks streams that are loaded together: each on its own
// (Validate), then the checks between them (CrossCheck).
func ValidateSet(streams []*ValueStream) []Diagnostic {
	var all []Diagnostic
	for _, s := range streams {
		for _, d := range s.Validate() {
			d.Stream = s.ID
			all = append(all, d)
		}
	}
	return append(all, CrossCheck(streams)...)
}

// CrossCheck finds what is wrong between streams loaded together: duplicate
// ids, spawns into unknown streams and routing ties. Each diagnostic carries
// the id of the stream it is reported on.
func CrossCheck(streams []*ValueStream) []Diagnostic {
	var all []Diagnostic
	byID := map[string]*ValueStream{}
	var ids []string
	for _, s := range streams {
		if _, dup := byID[s.ID]; dup && s.ID != "" {
			all = append(all, Diagnostic{Severity: SeverityError, Stream: s.ID, Path: "id", Message: fmt.Sprintf("duplicate stream id %q; another definition has it already", s.ID)})
			continue
		}
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	for _, s := range streams {
		for i, st := range s.Steps {
			for j, sp := range st.Spawn {
				if sp.Stream == "" {
					continue
				}
				target, ok := byID[sp.Stream]
				path := fmt.Sprintf("steps[%d].spawn[%d].stream", i, j)
				if !ok {
					all = append(all, Diagnostic{Severity: SeverityError, Stream: s.ID, Path: path, Message: fmt.Sprintf("spawn into unknown stream %q", sp.Stream), Hint: didYouMean(sp.Stream, ids)})
					continue
				}
				if len(target.AppliesTo.Kinds) > 0 && !slices.Contains(target.AppliesTo.Kinds, sp.Kind) {
					all = append(all, Diagnostic{Severity: SeverityWarning, Stream: s.ID, Path: path, Message: fmt.Sprintf("spawns a %s into %q, which takes only %s", sp.Kind, sp.Stream, strings.Join(kindStrings(target.AppliesTo.Kinds), ", "))})
				}
			}
		}
	}
	return append(all, routingTies(streams)...)
}

// routingTies reports every pair of equally specific streams that take some
// of the same work when no single default stream covers what they share.
func routingTies(streams []*ValueStream) []Diagnostic {
	var out []Diagnostic
	for i, a := range streams {
		for _, b := range streams[i+1:] {
			if a.AppliesTo.IsZero() || b.AppliesTo.IsZero() || a.ID == b.ID {
				continue
			}
			spec := a.AppliesTo.Specificity()
			if b.AppliesTo.Specificity() != spec || !a.AppliesTo.overlaps(b.AppliesTo) {
				continue
			}
			shared := a.AppliesTo.intersect(b.AppliesTo)
			var defaults []*ValueStream
			for _, d := range streams {
				if d.Default && d.AppliesTo.Specificity() == spec && d.AppliesTo.overlaps(shared) {
					defaults = append(defaults, d)
				}
			}
			if len(defaults) == 1 && defaults[0].AppliesTo.covers(shared) {
				continue
			}
			hint := "set default: true on exactly one of them, or narrow applies_to"
			if a.Default && b.Default {
				hint = "only one of them may say default: true"
			}
			out = append(out, Diagnostic{
				Severity: SeverityError, Stream: b.ID, Path: "applies_to", Hint: hint,
				Message: fmt.Sprintf("routing tie: %q and %q both take %s with equal specificity", a.ID, b.ID, shared.String()),
			})
		}
	}
	return out
}

// intersect returns the work both a and b take; an empty list means any.
func (a AppliesTo) intersect(b AppliesTo) AppliesTo {
	meet := func(x, y []string) []string {
		switch {
		case len(x) == 0:
			return slices.Clone(y)
		case len(y) == 0:
			return slices.Clone(x)
		}
		var out []string
		for _, v := range x {
			if slices.Contains(y, v) {
				out = append(out, v)
			}
		}
		return out
	}
	var r AppliesTo
	for _, k := range meet(kindStrings(a.Kinds), kindStrings(b.Kinds)) {
		r.Kinds = append(r.Kinds, Kind(k))
	}
	r.Categories = meet(a.Categories, b.Categories)
	r.Services = meet(a.Services, b.Services)
	return r
}

// covers reports whether a takes all the work r names.
func (a AppliesTo) covers(r AppliesTo) bool {
	all := func(x, y []string) bool { // x covers y
		if len(x) == 0 {
			return true
		}
		if len(y) == 0 {
			return false
		}
		for _, v := range y {
			if !slices.Contains(x, v) {
				return false
			}
		}
		return true
	}
	return all(kindStrings(a.Kinds), kindStrings(r.Kinds)) && all(a.Categories, r.Categories) && all(a.Services, r.Services)
}

func kindStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// String describes the work a takes, as "kinds incident, query; categories major".
func (a AppliesTo) String() string {
	var parts []string
	if len(a.Kinds) > 0 {
		parts = append(parts, "kinds "+strings.Join(kindStrings(a.Kinds), ", "))
	}
	if len(a.Categories) > 0 {
		parts = append(parts, "categories "+strings.Join(a.Categories, ", "))
	}
	if len(a.Services) > 0 {
		parts = append(parts, "services "+strings.Join(a.Services, ", "))
	}
	return strings.Join(parts, "; ")
}
