package streamdef

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// MaxFileSize is the largest definition file read, far above any real stream.
const MaxFileSize = 1 << 20

// Diagnostic is a domain diagnostic placed in a file.
type Diagnostic struct {
	File string
	Pos
	svcflow.Diagnostic
}

// String formats d as FILE:LINE:COLUMN: SEVERITY: PATH: MESSAGE (HINT).
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Diagnostic.String())
}

// File is one definition file as read: the stream it holds and where each
// field stands.
type File struct {
	Name   string
	Stream *svcflow.ValueStream
	pos    map[string]Pos
}

// Parse reads one definition. It returns the stream as far as it could be
// read (nil only when the YAML itself is unreadable) and every problem of
// reading it; the domain checks run later in Check, over all files at once.
func Parse(name string, data []byte) (*File, []Diagnostic) {
	if len(data) > MaxFileSize {
		return nil, []Diagnostic{fileError(name, 1, 1, "", "file is %d bytes; a definition may be at most %d", len(data), MaxFileSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Diagnostic{fileError(name, 1, 1, "", "empty file; expected a value stream definition")}
		}
		return nil, []Diagnostic{syntaxError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Diagnostic{fileError(name, extra.Line, extra.Column, "", "a second YAML document; expected one stream per file")}
	} else if !errors.Is(err, io.EOF) {
		return nil, []Diagnostic{syntaxError(name, err)}
	}
	d := newDecoder(name)
	s := &svcflow.ValueStream{}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.stream(root, s)
	return &File{Name: name, Stream: s, pos: d.pos}, d.diags
}

func fileError(name string, line, col int, path, format string, args ...any) Diagnostic {
	return Diagnostic{File: name, Pos: Pos{Line: line, Column: col}, Diagnostic: svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: path, Message: fmt.Sprintf(format, args...)}}
}

// syntaxError places a YAML syntax error; yaml.v3 reports "yaml: line N: …".
func syntaxError(name string, err error) Diagnostic {
	msg := err.Error()
	line := 1
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		var n int
		if _, scanErr := fmt.Sscanf(rest, "%d:", &n); scanErr == nil && n > 0 {
			line = n
			msg = strings.TrimSpace(rest[strings.Index(rest, ":")+1:])
		}
	}
	return fileError(name, line, 1, "", "YAML syntax: %s", msg)
}

// Check validates files together (with the domain's rules, routing and spawn
// targets across them) and places each diagnostic at the field it concerns.
// Diagnostics come sorted by file, line and column.
func Check(files []*File) []Diagnostic {
	var streams []*svcflow.ValueStream
	byID := map[string]*File{}
	byStream := map[*svcflow.ValueStream]*File{}
	for _, f := range files {
		if f == nil || f.Stream == nil {
			continue
		}
		streams = append(streams, f.Stream)
		byStream[f.Stream] = f
		if _, ok := byID[f.Stream.ID]; !ok {
			byID[f.Stream.ID] = f
		}
	}
	var out []Diagnostic
	for _, s := range streams {
		f := byStream[s]
		for _, d := range s.Validate() {
			out = append(out, f.place(d))
		}
	}
	for _, d := range svcflow.CrossCheck(streams) {
		f := byID[d.Stream]
		if d.Path == "id" { // a duplicate id: point at the later file
			for _, g := range files {
				if g != nil && g.Stream != nil && g.Stream.ID == d.Stream && g != f {
					f = g
				}
			}
		}
		if f != nil {
			out = append(out, f.place(d))
		}
	}
	Sort(out)
	return out
}

// Sort orders diagnostics by file, line, column and message.
func Sort(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// place finds the position of a diagnostic's path, or of its nearest parent
// that the file has (a missing field points at the mapping it is missing from).
func (f *File) place(d svcflow.Diagnostic) Diagnostic {
	d.Stream = ""
	for p := d.Path; ; {
		if pos, ok := f.pos[p]; ok {
			return Diagnostic{File: f.Name, Pos: pos, Diagnostic: d}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return Diagnostic{File: f.Name, Pos: f.pos[""], Diagnostic: d}
}

// HasErrors reports whether any diagnostic is an error.
func HasErrors(ds []Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == svcflow.SeverityError })
}

// Load parses and checks definitions together, returning the streams only
// when there are no errors. Warnings are returned either way.
func Load(files map[string][]byte) ([]*svcflow.ValueStream, []Diagnostic) {
	return LoadLayers(files)
}

// LoadLayers is Load over several sets of files, such as the built-in
// library and a team's directory: a stream in a later layer replaces the
// stream with the same id in an earlier one. Files keep their order by name
// within a layer; streams come out in that order, layer by layer.
func LoadLayers(layers ...map[string][]byte) ([]*svcflow.ValueStream, []Diagnostic) {
	var parsed []*File
	var diags []Diagnostic
	for _, files := range layers {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		var layer []*File
		for _, n := range names {
			f, ds := Parse(n, files[n])
			diags = append(diags, ds...)
			if f != nil {
				layer = append(layer, f)
			}
		}
		ids := map[string]bool{}
		for _, f := range layer {
			ids[f.Stream.ID] = true
		}
		parsed = slices.DeleteFunc(parsed, func(f *File) bool { return ids[f.Stream.ID] })
		parsed = append(parsed, layer...)
	}
	diags = append(diags, withoutRepeats(Check(parsed), diags)...)
	Sort(diags)
	if HasErrors(diags) {
		return nil, diags
	}
	streams := make([]*svcflow.ValueStream, len(parsed))
	for i, f := range parsed {
		streams[i] = f.Stream
	}
	return streams, diags
}

// withoutRepeats drops the domain's diagnostics on fields that reading has
// already reported (a missing accountable is "missing field" once, not twice).
func withoutRepeats(checked, read []Diagnostic) []Diagnostic {
	seen := map[[2]string]bool{}
	for _, d := range read {
		seen[[2]string{d.File, d.Path}] = true
	}
	return slices.DeleteFunc(checked, func(d Diagnostic) bool { return seen[[2]string{d.File, d.Path}] })
}

// ReadDir reads every *.yaml and *.yml file of a directory (not its
// subdirectories), keyed by path.
func ReadDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read stream directory: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := readLimited(p)
		if err != nil {
			return nil, err
		}
		files[p] = b
	}
	return files, nil
}

// ReadFile reads one definition file, refusing files over MaxFileSize.
func ReadFile(path string) ([]byte, error) { return readLimited(path) }

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read stream definition: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read stream definition %s: %w", path, err)
	}
	return b, nil
}
