package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/yamlpos"
)

// A scenario file is the simulation model as a person reads and edits it:
// times as durations ("2m", "2.5h", "1d"), rates per hour ("0.5/h", or a
// bare number), shares from 0 to 1, shifts as days and hours. Calibration
// writes one and people change it, so reading reports every problem at
// once, each at its line and column, and writing is deterministic and
// reads back to the same Model.

// ScenarioSchema is the schema line every scenario file starts with.
const ScenarioSchema = "svcflow/scenario/v1"

// MaxScenarioSize is the largest scenario file read; empirical samples and
// weekly profiles make files larger than stream definitions.
const MaxScenarioSize = 4 << 20

// maxScenarioNodes bounds how many YAML nodes a file may expand to, aliases
// included, so that a small file cannot make reading do unbounded work.
const maxScenarioNodes = 500_000

// maxSimSpan is the longest duration a file may give: a hundred years.
const maxSimSpan = 100 * 365 * 86400.0

// Scenario is one scenario file: a model, or the name of a baseline file,
// and the changes to make to it.
type Scenario struct {
	// Name and Note describe the scenario; for a file with a model of its
	// own they are also the Model's.
	Name string
	Note string
	// Model is the model the changes apply to: the file's own, or, once
	// ReadScenario has loaded it, the baseline's (with the baseline's own
	// changes made). ParseScenario leaves it nil for a file that names a
	// baseline.
	Model *Model
	// Baseline is the file this one builds on, relative to its directory;
	// "" when the file holds its own model. A file with a baseline holds
	// nothing but its name, note, baseline and changes, so it differs from
	// the baseline by exactly its changes.
	Baseline string
	Changes  []Change

	file string
	pos  map[string]yamlpos.Pos
}

// Resolve returns the model to simulate: the Model with the Changes made,
// named after the scenario. Errors are *ChangeError, or say that the
// baseline has not been loaded.
func (s *Scenario) Resolve() (*Model, error) {
	if s.Model == nil {
		return nil, fmt.Errorf("scenario %q builds on %q, which is not loaded; read it with ReadScenario", s.Name, s.Baseline)
	}
	m, err := Apply(s.Model, s.Changes)
	if err != nil {
		return nil, err
	}
	if s.Name != "" {
		m.Name = s.Name
	}
	if s.Note != "" {
		m.Note = s.Note
	}
	return m, nil
}

// Diagnostic is one problem of a scenario file, placed at its line and
// column. Path is the field's path in the file's own names
// ("work[0].steps[2].next[1].to").
type Diagnostic struct {
	File         string
	Line, Column int
	svcflow.Diagnostic
}

// String formats d as FILE:LINE:COLUMN: error: PATH: MESSAGE (HINT).
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Diagnostic.String())
}

// DiagnosticsError joins diagnostics into one error, a line each.
func DiagnosticsError(ds []Diagnostic) error {
	if len(ds) == 0 {
		return nil
	}
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return errors.New(strings.Join(lines, "\n"))
}

// ParseScenario reads one scenario file. It returns the scenario, or nil
// and every problem found, in the order of the file. A file with a model
// of its own has its changes checked against that model; a file that
// names a baseline has them checked when ReadScenario loads the baseline.
func ParseScenario(name string, data []byte) (*Scenario, []Diagnostic) {
	if len(data) > MaxScenarioSize {
		return nil, []Diagnostic{simDiag(name, 1, 1, "", "", "file is %d bytes; a scenario may be at most %d", len(data), MaxScenarioSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Diagnostic{simDiag(name, 1, 1, "", "", "empty file; expected a scenario starting with schema: %s", ScenarioSchema)}
		}
		return nil, []Diagnostic{yamlSyntaxDiag(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Diagnostic{simDiag(name, extra.Line, extra.Column, "", "", "a second YAML document; expected one scenario per file")}
	} else if !errors.Is(err, io.EOF) {
		return nil, []Diagnostic{yamlSyntaxDiag(name, err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	r := newScenarioReader(name, map[string]yamlpos.Pos{"": yamlpos.At(root)})
	s := r.scenario(root)
	if len(r.diags) == 0 && s.Model != nil {
		for _, p := range modelProblems(s.Model) {
			r.diags = append(r.diags, r.place(p))
		}
		if len(r.diags) == 0 {
			if _, err := Apply(s.Model, s.Changes); err != nil {
				r.diags = append(r.diags, r.placeChangeError(err))
			}
		}
	} else if s.Model != nil {
		// Check the model as far as it was read, leaving out what reading
		// has already reported (a bad mean is not also a missing one).
		for _, p := range modelProblems(s.Model) {
			if !r.reported(p.Path) {
				r.diags = append(r.diags, r.place(p))
			}
		}
	}
	if len(r.diags) > 0 {
		sortDiagnostics(r.diags)
		return nil, r.diags
	}
	s.file, s.pos = name, r.pos
	return s, nil
}

// ReadScenario reads the scenario file name from fsys and, when it names a
// baseline, the baseline (relative to the file's directory, in fsys, and
// its own baseline in turn), so that the returned Scenario's Model is what
// its changes apply to. Problems of the baseline are reported in the
// baseline's file; changes that do not fit it, at the change.
func ReadScenario(fsys fs.FS, name string) (*Scenario, []Diagnostic) {
	return readScenario(fsys, name, nil)
}

func readScenario(fsys fs.FS, name string, chain []string) (*Scenario, []Diagnostic) {
	data, err := readLimitedFS(fsys, name)
	if err != nil {
		return nil, []Diagnostic{simDiag(name, 1, 1, "", "", "%v", err)}
	}
	s, ds := ParseScenario(name, data)
	if s == nil || s.Baseline == "" {
		return s, ds
	}
	base := path.Join(path.Dir(name), s.Baseline)
	p := s.pos["baseline"]
	switch {
	case !fs.ValidPath(base):
		return nil, []Diagnostic{simDiag(name, p.Line, p.Column, "baseline", "", "baseline %q is outside the scenario's directory; expected a file beside it or below it", s.Baseline)}
	case slices.Contains(chain, base) || base == name:
		return nil, []Diagnostic{simDiag(name, p.Line, p.Column, "baseline", "", "baseline %q builds on this file again: %s", s.Baseline, strings.Join(append(chain, name, base), " → "))}
	case len(chain) >= 8:
		return nil, []Diagnostic{simDiag(name, p.Line, p.Column, "baseline", "", "baselines nest more than 8 deep")}
	}
	b, ds := readScenario(fsys, base, append(chain, name))
	if b == nil {
		return nil, ds
	}
	m, err := b.Resolve()
	if err != nil {
		return nil, []Diagnostic{b.placeChangeError(err)}
	}
	if _, err := Apply(m, s.Changes); err != nil {
		return nil, []Diagnostic{s.placeChangeError(err)}
	}
	s.Model = m
	return s, nil
}

func readLimitedFS(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxScenarioSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", name, err)
	}
	return b, nil
}

func simDiag(file string, line, col int, p, hint, format string, args ...any) Diagnostic {
	return Diagnostic{File: file, Line: line, Column: col, Diagnostic: svcflow.Diagnostic{
		Severity: svcflow.SeverityError, Path: p, Message: fmt.Sprintf(format, args...), Hint: hint}}
}

// yamlSyntaxDiag places a YAML syntax error; yaml.v3 reports "yaml: line N: …".
func yamlSyntaxDiag(name string, err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		var n int
		if _, scanErr := fmt.Sscanf(rest, "%d:", &n); scanErr == nil && n > 0 {
			line = n
			msg = strings.TrimSpace(rest[strings.Index(rest, ":")+1:])
		}
	}
	return simDiag(name, line, 1, "", "", "YAML syntax: %s", msg)
}

func sortDiagnostics(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// placeChangeError turns an error of Apply into a diagnostic at the change.
func (s *Scenario) placeChangeError(err error) Diagnostic {
	r := newScenarioReader(s.file, s.pos)
	return r.placeChangeError(err)
}

func (r *scenarioReader) placeChangeError(err error) Diagnostic {
	var ce *ChangeError
	if errors.As(err, &ce) {
		p := fmt.Sprintf("changes[%d]", ce.Index)
		if ce.Field != "" {
			p += "." + ce.Field
		}
		return r.place(svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: p, Message: ce.Message, Hint: ce.Hint})
	}
	return r.place(svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: "changes", Message: err.Error()})
}

// scenarioReader walks a YAML node tree into a Scenario, recording where
// every field stands and every problem, never stopping at the first.
type scenarioReader struct {
	*yamlpos.Walker
	file  string
	pos   map[string]yamlpos.Pos // the walker's
	diags []Diagnostic
}

func newScenarioReader(file string, pos map[string]yamlpos.Pos) *scenarioReader {
	r := &scenarioReader{file: file, pos: pos}
	r.Walker = &yamlpos.Walker{Pos: pos, MaxNodes: maxScenarioNodes, Noun: "scenario",
		Report: func(at yamlpos.Pos, p, hint, message string) {
			r.diags = append(r.diags, simDiag(r.file, at.Line, at.Column, p, hint, "%s", message))
		}}
	return r
}

func (r *scenarioReader) errorf(n *yaml.Node, p, hint, format string, args ...any) {
	r.Errorf(n, p, hint, format, args...)
}

// reported says whether reading has reported a problem at p or inside it.
func (r *scenarioReader) reported(p string) bool {
	for _, d := range r.diags {
		q := d.Path
		if q == p || strings.HasPrefix(q, p+".") || strings.HasPrefix(q, p+"[") {
			return true
		}
	}
	return false
}

// place finds the position of a problem's path, or of its nearest parent
// that the file has (a missing field points at the mapping it is missing from).
func (r *scenarioReader) place(d svcflow.Diagnostic) Diagnostic {
	for p := d.Path; ; {
		if at, ok := r.pos[p]; ok {
			return Diagnostic{File: r.file, Line: at.Line, Column: at.Column, Diagnostic: d}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	at := r.pos[""]
	return Diagnostic{File: r.file, Line: at.Line, Column: at.Column, Diagnostic: d}
}

func (r *scenarioReader) resolve(n *yaml.Node) *yaml.Node { return r.Resolve(n) }

func yamlKindName(n *yaml.Node) string { return yamlpos.KindName(n) }

// simField handles one key of a mapping.
type simField struct {
	name     string
	required bool
	decode   func(v *yaml.Node, p string)
}

// mapping decodes the keys of n with fields, reporting unknown, duplicate
// and missing keys, and returns the keys given (nil when n is not a mapping).
func (r *scenarioReader) mapping(n *yaml.Node, p, what string, fields []simField) map[string]bool {
	fs := make([]yamlpos.Field, len(fields))
	for i, f := range fields {
		fs[i] = yamlpos.Field{Name: f.name, Required: f.required, Decode: f.decode}
	}
	return r.Mapping(n, p, what, fs)
}

// list decodes each element of a sequence.
func (r *scenarioReader) list(n *yaml.Node, p, what string, each func(item *yaml.Node, p string)) {
	r.List(n, p, what, false, each)
}

func (r *scenarioReader) scalar(n *yaml.Node, p, expected string) (*yaml.Node, bool) {
	return r.Scalar(n, p, expected)
}

func (r *scenarioReader) text(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "text")
		if !ok {
			return
		}
		if !utf8.ValidString(s.Value) {
			r.errorf(s, p, "", "text is not valid UTF-8")
			return
		}
		*dst = strings.TrimSpace(s.Value)
	}
}

// id reads an identifier: letters, digits, "-" and "_", starting with a
// letter or digit, so that it reads the same in files, reports and URLs.
func (r *scenarioReader) id(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "an id")
		if !ok {
			return
		}
		if !isSimID(s.Value) {
			r.errorf(s, p, "", "%q is not an id; expected letters, digits, - and _, starting with a letter or digit", s.Value)
			return
		}
		*dst = s.Value
	}
}

func isSimID(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i, c := range s {
		ok := c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_'))
		if !ok {
			return false
		}
	}
	return true
}

func (r *scenarioReader) integer(dst *int, min int) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a whole number")
		if !ok {
			return
		}
		v, err := strconv.Atoi(s.Value)
		if s.Tag != "!!int" || err != nil || v > 1_000_000_000 {
			r.errorf(s, p, "", "expected a whole number, got %s", yamlKindName(s))
			return
		}
		if v < min {
			r.errorf(s, p, "", "%d is below %d", v, min)
			return
		}
		*dst = v
	}
}

func (r *scenarioReader) number(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a number")
		if !ok {
			return
		}
		v, err := strconv.ParseFloat(s.Value, 64)
		if (s.Tag != "!!int" && s.Tag != "!!float") || err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			r.errorf(s, p, "", "expected a number, got %s", yamlKindName(s))
			return
		}
		*dst = v
	}
}

// share reads a number from 0 to 1.
func (r *scenarioReader) share(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var v float64
		before := len(r.diags)
		r.number(&v)(n, p)
		if len(r.diags) > before {
			return
		}
		if v < 0 || v > 1 {
			r.errorf(r.resolve(n), p, "", "share %v is outside [0, 1]; expected a fraction such as 0.05 for 5 %%", v)
			return
		}
		*dst = v
	}
}

func (r *scenarioReader) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "true or false")
		if !ok {
			return
		}
		if s.Tag != "!!bool" {
			r.errorf(s, p, "", "expected true or false, got %s", yamlKindName(s))
			return
		}
		*dst = strings.EqualFold(s.Value, "true")
	}
}

// span reads a duration in seconds; positive says zero is refused.
func (r *scenarioReader) span(dst *float64, positive bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a duration like 30s, 2m, 2.5h or 1d")
		if !ok {
			return
		}
		v, err := parseSimDuration(s.Value)
		if err != nil {
			r.errorf(s, p, "", "%v; expected a duration like 30s, 2m, 2.5h or 1d", err)
			return
		}
		if positive && v == 0 {
			r.errorf(s, p, "", "duration is 0; expected a positive duration")
			return
		}
		*dst = v
	}
}

func (r *scenarioReader) spans(dst *[]float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var out []float64
		r.list(n, p, "durations", func(item *yaml.Node, ip string) {
			var v float64
			r.span(&v, false)(item, ip)
			out = append(out, v)
		})
		*dst = out
	}
}

// rate reads a rate per second from "N/UNIT" or a bare number per hour.
func (r *scenarioReader) rate(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a rate like 0.5/h")
		if !ok {
			return
		}
		var v float64
		var err error
		if s.Tag == "!!int" || s.Tag == "!!float" {
			v, err = strconv.ParseFloat(s.Value, 64)
			v /= 3600
		} else {
			v, err = parseSimRate(s.Value)
		}
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			r.errorf(s, p, "", "%q is not a rate; expected a number per hour or a rate like 0.5/h, 12/d, 3/m", s.Value)
			return
		}
		if v < 0 {
			r.errorf(s, p, "", "rate %s is negative", s.Value)
			return
		}
		*dst = v
	}
}

// The units of scenario durations and rates, largest first.
var simUnits = []struct {
	suffix string
	size   float64
}{{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}}

// parseSimDuration reads a duration in seconds: "0", or number-unit pairs
// from the largest unit to the smallest ("2m", "2.5h", "1h30m", "1d"), in
// the syntax of svcflow.ParseDuration without business days, but kept in
// float64 seconds so that any value reads back exactly as written.
func parseSimDuration(s string) (float64, error) {
	in := strings.TrimSpace(s)
	switch {
	case in == "":
		return 0, errors.New("empty duration")
	case in == "0":
		return 0, nil
	case strings.HasPrefix(in, "-"):
		return 0, fmt.Errorf("%q is negative", s)
	case strings.HasSuffix(in, "bd"):
		return 0, fmt.Errorf("%q is in business days, which have no length in a simulation", s)
	}
	total, last := 0.0, -1
	for rest := in; rest != ""; {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q: expected a number at %q", s, rest)
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %q is not a number", s, rest[:i])
		}
		rest = rest[i:]
		unit := slices.IndexFunc(simUnits, func(u struct {
			suffix string
			size   float64
		}) bool {
			return strings.HasPrefix(rest, u.suffix)
		})
		if unit < 0 {
			return 0, fmt.Errorf("%q: expected a unit (w, d, h, m or s) after %s", s, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if unit <= last {
			return 0, fmt.Errorf("%q: units must go from largest to smallest, each once", s)
		}
		last = unit
		rest = rest[1:]
		total += v * simUnits[unit].size
		if total > maxSimSpan {
			return 0, fmt.Errorf("%q is longer than a hundred years", s)
		}
	}
	return total, nil
}

// formatSimDuration writes seconds in the largest unit that gives a short
// number reading back exactly (9000 → "2.5h", 120 → "2m", 30 → "30s"),
// else in seconds with every digit needed.
func formatSimDuration(sec float64) string {
	if sec == 0 {
		return "0s"
	}
	for _, u := range simUnits[1:4] { // d, h, m: weeks read worse than days
		v := sec / u.size
		if v < 1 {
			continue
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if _, frac, _ := strings.Cut(s, "."); len(frac) > 3 {
			continue
		}
		if back, err := strconv.ParseFloat(s, 64); err == nil && back*u.size == sec {
			return s + u.suffix
		}
	}
	return strconv.FormatFloat(sec, 'f', -1, 64) + "s"
}

// parseSimRate reads "N/UNIT" (UNIT one of s, m, h, d, w) as a rate per second.
func parseSimRate(s string) (float64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, fmt.Errorf("%q has no unit", s)
	}
	num, unit = strings.TrimSpace(num), strings.TrimSpace(unit)
	i := slices.IndexFunc(simUnits, func(u struct {
		suffix string
		size   float64
	}) bool {
		return u.suffix == unit
	})
	if i < 0 || num == "" || strings.ContainsAny(num, "xXpP_iInN") {
		return 0, fmt.Errorf("%q is not a rate", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	return v / simUnits[i].size, nil
}

// formatSimRate writes a rate per second per hour when that reads back
// exactly ("0.5/h"), else per day, else per second.
func formatSimRate(perSec float64) string {
	for _, u := range []int{2, 1} { // h, d
		size := simUnits[u].size
		s := strconv.FormatFloat(perSec*size, 'g', -1, 64)
		if back, err := strconv.ParseFloat(s, 64); err == nil && back/size == perSec {
			return s + "/" + simUnits[u].suffix
		}
	}
	return strconv.FormatFloat(perSec, 'g', -1, 64) + "/s"
}

// The days of the week as files write them, Sunday first as time.Weekday.
var simDays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var simDayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func parseSimDay(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := slices.Index(simDays, s); i >= 0 {
		return i, true
	}
	i := slices.Index(simDayNames, s)
	return i, i >= 0
}

// parseSimClock reads "HH:MM" or "HH:MM:SS" as seconds after midnight, up
// to 24:00.
func parseSimClock(s string) (float64, bool) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var v [3]int
	for i, part := range parts {
		if len(part) != 2 || part[0] < '0' || part[0] > '9' || part[1] < '0' || part[1] > '9' {
			return 0, false
		}
		v[i] = int(part[0]-'0')*10 + int(part[1]-'0')
	}
	if v[1] > 59 || v[2] > 59 || v[0] > 24 || v[0] == 24 && (v[1] > 0 || v[2] > 0) {
		return 0, false
	}
	return float64(v[0]*3600 + v[1]*60 + v[2]), true
}

func formatSimClock(sec float64) string {
	n := int(sec)
	h, m, s := n/3600, n/60%60, n%60
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// simPriorities are the priorities a mix and SLA targets may name.
var simPriorities = []string{"P1", "P2", "P3", "P4", "P5"}

// slaDefault is the SLA key for every priority without its own target.
const slaDefault = "default"

func (r *scenarioReader) scenario(root *yaml.Node) *Scenario {
	s := &Scenario{}
	m := &Model{Replications: 10, Seed: 1}
	var schema string
	given := r.mapping(root, "", "a scenario", []simField{
		{"schema", true, r.text(&schema)},
		{"name", false, r.text(&s.Name)},
		{"note", false, r.text(&s.Note)},
		{"baseline", false, r.text(&s.Baseline)},
		{"delay_only", false, r.boolean(&m.DelayOnly)},
		{"horizon", false, r.span(&m.Horizon, true)},
		{"warm_up", false, r.span(&m.WarmUp, false)},
		{"replications", false, r.integer(&m.Replications, 1)},
		{"seed", false, r.seed(&m.Seed)},
		{"sla", false, r.sla(m)},
		{"teams", false, r.teams(m)},
		{"work", false, r.classes(m)},
		{"changes", false, r.changes(&s.Changes)},
	})
	if given == nil {
		return s
	}
	if given["schema"] && schema != ScenarioSchema {
		r.errorf(r.nodeAt("schema", root), "schema", "", "unknown schema %q; expected %q", schema, ScenarioSchema)
	}
	if s.Baseline != "" {
		// A file on a baseline is the baseline plus its changes and nothing
		// else, so the difference between the two is exactly the changes.
		for _, k := range []string{"delay_only", "horizon", "warm_up", "replications", "seed", "sla", "teams", "work"} {
			if given[k] {
				r.errorf(r.nodeAt(k, root), k, "change it with a change, or copy the baseline into a file of its own",
					"field %q in a scenario built on baseline %q; such a file holds only name, note, baseline and changes", k, s.Baseline)
			}
		}
		return s
	}
	if !given["horizon"] {
		r.errorf(root, "horizon", "", "missing field %q in a scenario; expected how long to observe, such as 365d", "horizon")
	}
	if !given["work"] {
		r.errorf(root, "work", "", "missing field %q in a scenario; expected the work classes and their steps", "work")
	}
	m.Name, m.Note = s.Name, s.Note
	s.Model = m
	return s
}

// nodeAt returns a node placed where field p stands, for messages.
func (r *scenarioReader) nodeAt(p string, fallback *yaml.Node) *yaml.Node {
	if at, ok := r.pos[p]; ok {
		return &yaml.Node{Line: at.Line, Column: at.Column}
	}
	return fallback
}

func (r *scenarioReader) seed(dst *uint64) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a whole number")
		if !ok {
			return
		}
		v, err := strconv.ParseUint(s.Value, 10, 64)
		if s.Tag != "!!int" || err != nil {
			r.errorf(s, p, "", "expected a whole number from 0 to %d, got %s", uint64(math.MaxUint64), yamlKindName(s))
			return
		}
		*dst = v
	}
}

func (r *scenarioReader) sla(m *Model) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		keys := append(slices.Clone(simPriorities), slaDefault)
		fields := make([]simField, len(keys))
		targets := make([]float64, len(keys))
		for i, k := range keys {
			fields[i] = simField{k, false, r.span(&targets[i], true)}
		}
		r.mapping(n, p, "SLA targets (P1 to P5, and default for the others)", fields)
		for i, k := range keys {
			if targets[i] == 0 {
				continue
			}
			if m.SLA == nil {
				m.SLA = map[string]float64{}
			}
			if k == slaDefault {
				k = ""
			}
			m.SLA[k] = targets[i]
		}
	}
}

func (r *scenarioReader) teams(m *Model) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		r.list(n, p, "teams", func(item *yaml.Node, ip string) {
			t := Team{People: 1}
			shiftPeople := []bool{}
			r.mapping(item, ip, "a team", []simField{
				{"id", true, r.id(&t.ID)},
				{"people", false, r.integer(&t.People, 1)},
				{"policy", false, r.policy(&t.Policy)},
				{"shifts", false, func(v *yaml.Node, sp string) {
					r.list(v, sp, "shifts", func(si *yaml.Node, sip string) {
						var sh Shift
						var hours string
						given := r.mapping(si, sip, "a shift", []simField{
							{"days", true, r.days(&sh.Days)},
							{"hours", true, r.text(&hours)},
							{"people", false, r.integer(&sh.People, 0)},
						})
						if given["hours"] && hours != "" {
							a, b, ok := strings.Cut(hours, "-")
							start, ok1 := parseSimClock(a)
							end, ok2 := parseSimClock(b)
							switch {
							case !ok || !ok1 || !ok2:
								r.errorf(r.nodeAt(sip+".hours", si), sip+".hours", "", "%q is not a span of hours; expected HH:MM-HH:MM such as 09:00-17:00", hours)
							case end <= start:
								r.errorf(r.nodeAt(sip+".hours", si), sip+".hours", "split a shift over midnight into two, one ending at 24:00", "shift %s ends before it starts", hours)
							default:
								sh.Start, sh.End = start, end
							}
						}
						t.Shifts = append(t.Shifts, sh)
						shiftPeople = append(shiftPeople, given["people"])
					})
				}},
			})
			// A shift without people has the whole team.
			for i := range t.Shifts {
				if !shiftPeople[i] {
					t.Shifts[i].People = t.People
				}
			}
			m.Teams = append(m.Teams, t)
		})
	}
}

func (r *scenarioReader) policy(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var s string
		before := len(r.diags)
		r.text(&s)(n, p)
		if len(r.diags) > before {
			return
		}
		if _, err := svcflow.ParseQueuePolicy(s); err != nil {
			r.errorf(r.resolve(n), p, "", "%s", queuePolicyMessage(err))
			return
		}
		*dst = s
	}
}

// queuePolicyMessage is the message of a queue policy error without the
// field name the root package puts in front.
func queuePolicyMessage(err error) string {
	var e *svcflow.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func (r *scenarioReader) days(dst *[]int) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var out []int
		add := func(node *yaml.Node, ip, s string) {
			a, b, isRange := strings.Cut(s, "-")
			first, ok1 := parseSimDay(a)
			last, ok2 := first, true
			if isRange {
				last, ok2 = parseSimDay(b)
			}
			if !ok1 || !ok2 {
				r.errorf(node, ip, "", "%q is not a day; expected mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri", s)
				return
			}
			for d := first; ; d = (d + 1) % 7 {
				if slices.Contains(out, d) {
					r.errorf(node, ip, "", "day %s given twice", simDays[d])
					return
				}
				out = append(out, d)
				if d == last {
					break
				}
			}
		}
		rn := r.resolve(n)
		if rn.Kind == yaml.ScalarNode && rn.Tag != "!!null" {
			add(rn, p, rn.Value)
		} else {
			r.list(n, p, "days", func(item *yaml.Node, ip string) {
				if s, ok := r.scalar(item, ip, "a day"); ok {
					add(s, ip, s.Value)
				}
			})
		}
		*dst = out
	}
}

func (r *scenarioReader) classes(m *Model) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		r.list(n, p, "work classes", func(item *yaml.Node, ip string) {
			var c Class
			given := r.mapping(item, ip, "a work class", []simField{
				{"id", true, r.id(&c.ID)},
				{"stream", false, r.text(&c.Stream)},
				{"arrivals", true, r.arrivals(&c.Arrivals)},
				{"priority", false, r.priorityMix(&c.Priority)},
				{"entry", false, r.id(&c.Entry)},
				{"steps", true, r.steps(&c.Steps)},
			})
			if given != nil && !given["entry"] && len(c.Steps) > 0 {
				c.Entry = c.Steps[0].ID
			}
			m.Work = append(m.Work, c)
		})
	}
}

func (r *scenarioReader) priorityMix(dst *[]PriorityShare) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		fields := make([]simField, len(simPriorities))
		shares := make([]float64, len(simPriorities))
		for i, k := range simPriorities {
			fields[i] = simField{k, false, r.share(&shares[i])}
		}
		n = r.resolve(n)
		given := r.mapping(n, p, "a priority mix", fields)
		var out []PriorityShare
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if j := slices.Index(simPriorities, k); j >= 0 && given[k] && !slices.ContainsFunc(out, func(ps PriorityShare) bool { return ps.Priority == k }) {
				out = append(out, PriorityShare{Priority: k, Share: shares[j]})
			}
		}
		*dst = out
	}
}

// The fields each kind of arrivals and duration takes.
var (
	arrivalFields = map[string][]string{
		ArrivalPoisson:   {"rate"},
		ArrivalProfile:   {"profile"},
		ArrivalGaussian:  {"mean", "sd"},
		ArrivalPareto:    {"scale", "shape"},
		ArrivalEmpirical: {"samples", "bootstrap"},
	}
	arrivalRequired = map[string][]string{
		ArrivalPoisson:   {"rate"},
		ArrivalProfile:   {"profile"},
		ArrivalGaussian:  {"mean", "sd"},
		ArrivalPareto:    {"scale", "shape"},
		ArrivalEmpirical: {"samples"},
	}
	distFields = map[string][]string{
		DistFixed:       {"mean"},
		DistExponential: {"mean"},
		DistNormal:      {"mean", "sd", "min", "max"},
		DistLognormal:   {"mean", "sd"},
		DistTriangular:  {"min", "mode", "max"},
		DistEmpirical:   {"samples"},
	}
	distRequired = map[string][]string{
		DistFixed:       {"mean"},
		DistExponential: {"mean"},
		DistNormal:      {"mean", "sd"},
		DistLognormal:   {"mean", "sd"},
		DistTriangular:  {"min", "mode", "max"},
		DistEmpirical:   {"samples"},
	}
	arrivalKindList = []string{ArrivalPoisson, ArrivalProfile, ArrivalGaussian, ArrivalPareto, ArrivalEmpirical}
	distKindList    = []string{DistFixed, DistExponential, DistNormal, DistLognormal, DistTriangular, DistEmpirical}
)

// checkKindFields reports a kind that is unknown, fields the kind does not
// take and fields it needs that are missing.
func (r *scenarioReader) checkKindFields(n *yaml.Node, p, what, kind string, given map[string]bool, kinds []string, fields, required map[string][]string) {
	if !given["kind"] {
		return // reported as missing
	}
	allowed, ok := fields[kind]
	if !ok {
		hint := ""
		if s := svcflow.Suggest(kind, kinds); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		r.errorf(r.nodeAt(p+".kind", n), p+".kind", hint, "unknown %s kind %q; expected one of %s", what, kind, strings.Join(kinds, ", "))
		return
	}
	for k := range given {
		if k != "kind" && !slices.Contains(allowed, k) {
			r.errorf(r.nodeAt(p+"."+k, n), p+"."+k, "", "field %q does not apply to %s %s; it takes %s", k, kind, what, strings.Join(allowed, ", "))
		}
	}
	for _, k := range required[kind] {
		if !given[k] {
			r.errorf(n, p+"."+k, "", "missing field %q; %s %s needs %s", k, kind, what, strings.Join(required[kind], ", "))
		}
	}
}

func (r *scenarioReader) arrivals(dst *Arrivals) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var a Arrivals
		given := r.mapping(n, p, "arrivals", []simField{
			{"kind", true, r.text(&a.Kind)},
			{"rate", false, r.rate(&a.Rate)},
			{"profile", false, func(v *yaml.Node, pp string) {
				var out []float64
				r.list(v, pp, "rates", func(item *yaml.Node, ip string) {
					var x float64
					r.rate(&x)(item, ip)
					out = append(out, x)
				})
				a.Profile = out
			}},
			{"mean", false, r.span(&a.Mean, false)},
			{"sd", false, r.span(&a.SD, false)},
			{"scale", false, r.span(&a.Scale, false)},
			{"shape", false, r.number(&a.Shape)},
			{"samples", false, r.spans(&a.Samples)},
			{"bootstrap", false, r.boolean(&a.Bootstrap)},
		})
		if given != nil {
			r.checkKindFields(r.resolve(n), p, "arrivals", a.Kind, given, arrivalKindList, arrivalFields, arrivalRequired)
		}
		*dst = a
	}
}

// dist reads a duration distribution; a plain duration is a fixed one.
func (r *scenarioReader) dist(dst *Dist) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var d Dist
		if rn := r.resolve(n); rn.Kind == yaml.ScalarNode && rn.Tag != "!!null" {
			d.Kind = DistFixed
			r.span(&d.Mean, false)(rn, p)
			*dst = d
			return
		}
		given := r.mapping(n, p, "a duration (a mapping with kind, or a fixed duration such as 15m)", []simField{
			{"kind", true, r.text(&d.Kind)},
			{"mean", false, r.span(&d.Mean, false)},
			{"sd", false, r.span(&d.SD, false)},
			{"min", false, r.span(&d.Min, false)},
			{"mode", false, r.span(&d.Mode, false)},
			{"max", false, r.span(&d.Max, false)},
			{"samples", false, r.spans(&d.Samples)},
		})
		if given != nil {
			r.checkKindFields(r.resolve(n), p, "duration", d.Kind, given, distKindList, distFields, distRequired)
		}
		*dst = d
	}
}

func (r *scenarioReader) steps(dst *[]Step) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		r.list(n, p, "steps", func(item *yaml.Node, ip string) {
			var s Step
			given := r.mapping(item, ip, "a step", []simField{
				{"id", true, r.id(&s.ID)},
				{"team", false, r.id(&s.Team)},
				{"duration", true, r.dist(&s.Duration)},
				{"automated", false, r.boolean(&s.Automated)},
				{"wip_limit", false, r.integer(&s.WIPLimit, 0)},
				{"auto_approve", false, r.share(&s.AutoApprove)},
				{"resolves", false, r.boolean(&s.Resolves)},
				{"next", false, r.routes(&s.Next)},
			})
			if given != nil && !given["next"] {
				s.Next = []Route{{To: Value, Probability: 1}}
			}
			*dst = append(*dst, s)
		})
	}
}

func (r *scenarioReader) routes(dst *[]Route) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		var out []Route
		var noProbability []string
		r.list(n, p, "routes", func(item *yaml.Node, ip string) {
			rt := Route{Probability: 1}
			given := r.mapping(item, ip, "a route", []simField{
				{"to", true, r.text(&rt.To)},
				{"probability", false, r.share(&rt.Probability)},
				{"outcome", false, r.text(&rt.Outcome)},
			})
			if given != nil && !given["probability"] {
				noProbability = append(noProbability, ip)
			}
			out = append(out, rt)
		})
		if len(out) > 1 {
			for _, ip := range noProbability {
				r.errorf(r.nodeAt(ip, n), ip+".probability", "", "missing field \"probability\" in a route; a step with several routes gives each its probability")
			}
		}
		*dst = out
	}
}

// modelProblems checks a model as files write it, with paths in the file's
// names. It is what reading checks after the fields, what WriteScenario
// refuses to write and what Apply checks before and after each change.
func modelProblems(m *Model) []svcflow.Diagnostic {
	var out []svcflow.Diagnostic
	bad := func(p, hint, format string, args ...any) {
		out = append(out, svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: p, Message: fmt.Sprintf(format, args...), Hint: hint})
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	span := func(p string, v float64, positive bool) {
		switch {
		case !finite(v) || v > maxSimSpan:
			bad(p, "", "duration %v is not a duration of at most a hundred years", v)
		case v < 0:
			bad(p, "", "duration %s is negative", formatSimDuration(-v))
		case positive && v == 0:
			bad(p, "", "duration is 0; expected a positive duration")
		}
	}
	text := func(p, s string) {
		if !utf8.ValidString(s) || s != strings.TrimSpace(s) {
			bad(p, "", "text %q is not valid UTF-8 without surrounding space", s)
		}
	}
	text("name", m.Name)
	text("note", m.Note)
	span("horizon", m.Horizon, true)
	span("warm_up", m.WarmUp, false)
	if m.Replications < 1 {
		bad("replications", "", "%d replications; expected at least 1", m.Replications)
	}
	for k, v := range m.SLA {
		p := "sla." + k
		if k == "" {
			p = "sla." + slaDefault
		} else if !slices.Contains(simPriorities, k) {
			bad("sla", "", "SLA target for %q; expected one of %s or %s", k, strings.Join(simPriorities, ", "), slaDefault)
		}
		span(p, v, true)
	}
	teams := map[string]bool{}
	for i, t := range m.Teams {
		tp := fmt.Sprintf("teams[%d]", i)
		switch {
		case !isSimID(t.ID):
			bad(tp+".id", "", "%q is not an id; expected letters, digits, - and _", t.ID)
		case teams[t.ID]:
			bad(tp+".id", "", "duplicate team id %q", t.ID)
		}
		teams[t.ID] = true
		if t.People < 1 {
			bad(tp+".people", "", "%d people; expected at least 1", t.People)
		}
		if t.Policy != "" {
			if _, err := svcflow.ParseQueuePolicy(t.Policy); err != nil {
				bad(tp+".policy", "", "%s", queuePolicyMessage(err))
			} else if t.Policy != strings.TrimSpace(t.Policy) {
				bad(tp+".policy", "", "policy %q has surrounding space", t.Policy)
			}
		}
		for j, sh := range t.Shifts {
			sp := fmt.Sprintf("%s.shifts[%d]", tp, j)
			if len(sh.Days) == 0 {
				bad(sp+".days", "", "a shift with no days; expected days such as [mon, tue] or mon-fri")
			}
			seen := map[int]bool{}
			for _, d := range sh.Days {
				if d < 0 || d > 6 || seen[d] {
					bad(sp+".days", "", "day %d is not a day of the week given once (0 is Sunday)", d)
				}
				seen[d] = true
			}
			if !(sh.Start >= 0 && sh.End <= 86400 && sh.Start < sh.End) || sh.Start != math.Trunc(sh.Start) || sh.End != math.Trunc(sh.End) {
				bad(sp+".hours", "", "shift from %v s to %v s after midnight; expected whole seconds from 00:00 to 24:00, ending after it starts", sh.Start, sh.End)
			}
			if sh.People < 0 || sh.People > t.People {
				bad(sp+".people", "", "%d people on a shift of a team of %d", sh.People, t.People)
			}
		}
	}
	if len(m.Work) == 0 {
		bad("work", "", "no work classes; expected at least one, with its arrivals and steps")
	}
	classes := map[string]bool{}
	for i, c := range m.Work {
		cp := fmt.Sprintf("work[%d]", i)
		switch {
		case !isSimID(c.ID):
			bad(cp+".id", "", "%q is not an id; expected letters, digits, - and _", c.ID)
		case classes[c.ID]:
			bad(cp+".id", "", "duplicate work class id %q", c.ID)
		}
		classes[c.ID] = true
		text(cp+".stream", c.Stream)
		arrivalProblems(cp+".arrivals", c.Arrivals, bad, span)
		if len(c.Priority) > 0 {
			sum := 0.0
			seen := map[string]bool{}
			for _, ps := range c.Priority {
				pp := cp + ".priority." + ps.Priority
				if !slices.Contains(simPriorities, ps.Priority) || seen[ps.Priority] {
					bad(cp+".priority", "", "priority %q is not one of %s given once", ps.Priority, strings.Join(simPriorities, ", "))
				}
				seen[ps.Priority] = true
				if !(ps.Share >= 0 && ps.Share <= 1) {
					bad(pp, "", "share %v is outside [0, 1]", ps.Share)
				}
				sum += ps.Share
			}
			if math.Abs(sum-1) > svcflow.ProbabilityTolerance {
				bad(cp+".priority", "", "priority shares sum to %v; expected 1", roundSum(sum))
			}
		}
		stepProblems(m, cp, c, teams, bad, span)
	}
	return out
}

func roundSum(v float64) float64 {
	return math.Round(v*1e9) / 1e9
}

func arrivalProblems(p string, a Arrivals, bad func(p, hint, format string, args ...any), span func(string, float64, bool)) {
	allowed, ok := arrivalFields[a.Kind]
	if !ok {
		bad(p+".kind", "", "unknown arrivals kind %q; expected one of %s", a.Kind, strings.Join(arrivalKindList, ", "))
		return
	}
	set := map[string]bool{"rate": a.Rate != 0, "profile": a.Profile != nil, "mean": a.Mean != 0, "sd": a.SD != 0,
		"scale": a.Scale != 0, "shape": a.Shape != 0, "samples": a.Samples != nil, "bootstrap": a.Bootstrap}
	for _, k := range []string{"rate", "profile", "mean", "sd", "scale", "shape", "samples", "bootstrap"} {
		if set[k] && !slices.Contains(allowed, k) {
			bad(p+"."+k, "", "field %q does not apply to %s arrivals", k, a.Kind)
		}
	}
	rate := func(q string, v float64, positive bool) {
		if !(v >= 0) || math.IsInf(v, 0) || positive && v == 0 || v > 1e9 {
			bad(q, "", "rate %v per second; expected a finite rate%s", v, map[bool]string{true: " above 0", false: " of 0 or more"}[positive])
		}
	}
	switch a.Kind {
	case ArrivalPoisson:
		rate(p+".rate", a.Rate, true)
	case ArrivalProfile:
		if len(a.Profile) != 168 {
			bad(p+".profile", "", "%d rates; expected 168, one per hour of the week from Monday 00:00", len(a.Profile))
		}
		peak := 0.0
		for i, v := range a.Profile {
			rate(fmt.Sprintf("%s.profile[%d]", p, i), v, false)
			peak = max(peak, v)
		}
		if len(a.Profile) == 168 && peak == 0 {
			bad(p+".profile", "", "every rate of the profile is 0")
		}
	case ArrivalGaussian:
		span(p+".mean", a.Mean, true)
		span(p+".sd", a.SD, false)
	case ArrivalPareto:
		span(p+".scale", a.Scale, true)
		if !(a.Shape > 0) || math.IsInf(a.Shape, 0) {
			bad(p+".shape", "", "shape %v; expected a number above 0", a.Shape)
		}
	case ArrivalEmpirical:
		sampleProblems(p+".samples", a.Samples, bad, span)
		sum := 0.0
		for _, v := range a.Samples {
			sum += v
		}
		if len(a.Samples) > 0 && sum == 0 {
			bad(p+".samples", "", "every inter-arrival time is 0")
		}
	}
}

func sampleProblems(p string, xs []float64, bad func(p, hint, format string, args ...any), span func(string, float64, bool)) {
	if len(xs) == 0 {
		bad(p, "", "no samples; expected a list of durations")
	}
	for i, v := range xs {
		span(fmt.Sprintf("%s[%d]", p, i), v, false)
	}
}

func distProblems(p string, d Dist, bad func(p, hint, format string, args ...any), span func(string, float64, bool)) {
	allowed, ok := distFields[d.Kind]
	if !ok {
		bad(p+".kind", "", "unknown duration kind %q; expected one of %s", d.Kind, strings.Join(distKindList, ", "))
		return
	}
	set := map[string]bool{"mean": d.Mean != 0, "sd": d.SD != 0, "min": d.Min != 0, "mode": d.Mode != 0, "max": d.Max != 0, "samples": d.Samples != nil}
	for _, k := range []string{"mean", "sd", "min", "mode", "max", "samples"} {
		if set[k] && !slices.Contains(allowed, k) {
			bad(p+"."+k, "", "field %q does not apply to a %s duration", k, d.Kind)
		}
	}
	switch d.Kind {
	case DistFixed:
		span(p+".mean", d.Mean, false)
	case DistExponential:
		span(p+".mean", d.Mean, true)
	case DistNormal:
		span(p+".mean", d.Mean, false)
		span(p+".sd", d.SD, false)
		span(p+".min", d.Min, false)
		span(p+".max", d.Max, false)
		switch {
		case d.Max != 0 && d.Max <= d.Min:
			bad(p+".max", "", "max %s is not above min %s", formatSimDuration(d.Max), formatSimDuration(d.Min))
		case d.SD == 0 && (d.Mean < d.Min || d.Max != 0 && d.Mean > d.Max):
			bad(p+".mean", "", "mean %s is outside [min, max] with sd 0", formatSimDuration(d.Mean))
		}
	case DistLognormal:
		span(p+".mean", d.Mean, true)
		span(p+".sd", d.SD, false)
	case DistTriangular:
		span(p+".min", d.Min, false)
		span(p+".mode", d.Mode, false)
		span(p+".max", d.Max, false)
		if d.Mode < d.Min || d.Max < d.Mode || d.Max <= d.Min {
			bad(p, "", "triangular min %s, mode %s, max %s; expected min ≤ mode ≤ max and min < max",
				formatSimDuration(d.Min), formatSimDuration(d.Mode), formatSimDuration(d.Max))
		}
	case DistEmpirical:
		sampleProblems(p+".samples", d.Samples, bad, span)
	}
}

func stepProblems(m *Model, cp string, c Class, teams map[string]bool, bad func(p, hint, format string, args ...any), span func(string, float64, bool)) {
	if len(c.Steps) == 0 {
		bad(cp+".steps", "", "no steps; expected at least one")
		return
	}
	ids := make([]string, 0, len(c.Steps))
	index := map[string]int{}
	for i, s := range c.Steps {
		sp := fmt.Sprintf("%s.steps[%d]", cp, i)
		switch {
		case !isSimID(s.ID) || s.ID == Value:
			bad(sp+".id", "", "%q is not a step id; expected letters, digits, - and _, other than %q", s.ID, Value)
		case slices.Contains(ids, s.ID):
			bad(sp+".id", "", "duplicate step id %q in work class %q", s.ID, c.ID)
		default:
			index[s.ID] = i
		}
		ids = append(ids, s.ID)
	}
	teamIDs := make([]string, 0, len(teams))
	for _, t := range m.Teams {
		if !slices.Contains(teamIDs, t.ID) {
			teamIDs = append(teamIDs, t.ID)
		}
	}
	if _, ok := index[c.Entry]; !ok {
		bad(cp+".entry", simDidYouMean(c.Entry, ids), "entry %q is not a step of work class %q; expected one of %s", c.Entry, c.ID, strings.Join(ids, ", "))
	}
	for i, s := range c.Steps {
		sp := fmt.Sprintf("%s.steps[%d]", cp, i)
		switch {
		case s.Team != "" && !teams[s.Team]:
			bad(sp+".team", simDidYouMean(s.Team, teamIDs), "unknown team %q; expected one of the teams: %s", s.Team, strings.Join(teamIDs, ", "))
		case s.Team != "" && s.Automated:
			bad(sp+".team", "remove team, or automated", "an automated step uses no team, yet it names team %q", s.Team)
		}
		distProblems(sp+".duration", s.Duration, bad, span)
		if s.WIPLimit < 0 {
			bad(sp+".wip_limit", "", "WIP limit %d is negative; 0 means no limit", s.WIPLimit)
		}
		if s.WIPLimit > 0 && m.DelayOnly {
			bad(sp+".wip_limit", "", "a WIP limit in a delay-only model, whose steps are delays without queues")
		}
		if !(s.AutoApprove >= 0 && s.AutoApprove <= 1) {
			bad(sp+".auto_approve", "", "share %v is outside [0, 1]", s.AutoApprove)
		}
		if len(s.Next) == 0 {
			bad(sp+".next", "", "no routes; expected at least one (leave next out to go to %q)", Value)
		}
		sum := 0.0
		for j, rt := range s.Next {
			rp := fmt.Sprintf("%s.next[%d]", sp, j)
			if _, ok := index[rt.To]; !ok && rt.To != Value {
				bad(rp+".to", simDidYouMean(rt.To, ids), "route to unknown step %q; expected a step of work class %q or %q", rt.To, c.ID, Value)
			}
			if !(rt.Probability >= 0 && rt.Probability <= 1) {
				bad(rp+".probability", "", "probability %v is outside [0, 1]", rt.Probability)
			}
			if !utf8.ValidString(rt.Outcome) || rt.Outcome != strings.TrimSpace(rt.Outcome) {
				bad(rp+".outcome", "", "outcome %q is not valid UTF-8 without surrounding space", rt.Outcome)
			}
			sum += rt.Probability
		}
		if len(s.Next) > 0 && math.Abs(sum-1) > svcflow.ProbabilityTolerance {
			bad(sp+".next", "", "probabilities of step %q sum to %v; expected 1", s.ID, roundSum(sum))
		}
	}
	// Work must be able to leave: some route of positive probability from
	// the entry leads to value.
	if start, ok := index[c.Entry]; ok {
		seen := make([]bool, len(c.Steps))
		stack := []int{start}
		seen[start] = true
		reaches := false
		for len(stack) > 0 && !reaches {
			s := c.Steps[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			for _, rt := range s.Next {
				if rt.Probability <= 0 {
					continue
				}
				if rt.To == Value {
					reaches = true
					break
				}
				if j, ok := index[rt.To]; ok && !seen[j] {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		if !reaches {
			bad(cp+".steps", "", "no route from entry %q reaches %q; work of class %q would never end", c.Entry, Value, c.ID)
		}
	}
}

func simDidYouMean(word string, options []string) string {
	if word == "" {
		return ""
	}
	if s := svcflow.Suggest(word, options); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// isPlainText says whether a string can be written as it is, in a literal
// block when it spans lines, and read back the same.
func isPlainText(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if line != strings.TrimRightFunc(line, unicode.IsSpace) || strings.HasPrefix(line, " ") {
			return false
		}
		for _, c := range line {
			if !unicode.IsPrint(c) || c == '\u2028' || c == '\u2029' || c == '\ufeff' {
				return false
			}
		}
	}
	return true
}

// scenarioHeader opens every written scenario file.
const scenarioHeader = `# A svcflow simulation scenario. Durations are written 30s, 2m, 2.5h, 1d; rates
# per hour as 0.5/h or a plain number (also 12/d, 1/m, 0.01/s); shares from 0 to 1.
`

const delayOnlyHeader = `# delay_only: the durations are lead times of a completion-only log, so every
# step is a delay without a queue and capacity changes are refused.
`
