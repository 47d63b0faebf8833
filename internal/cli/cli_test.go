package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow/internal/library"
)

// run executes the command line in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{[]string{}, ExitUsage, "missing command"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"help"}, ExitOK, "streams"},
		{[]string{"version"}, ExitOK, "svcflow"},
		{[]string{"streams"}, ExitUsage, "missing streams subcommand"},
		{[]string{"streams", "lsit"}, ExitUsage, `did you mean "list"?`},
		{[]string{"streams", "list", "--colour"}, ExitUsage, "flag provided but not defined: -colour"},
		{[]string{"streams", "list", "--format", "yaml"}, ExitUsage, `unknown --format "yaml"`},
		{[]string{"streams", "list", "extra"}, ExitUsage, "takes no arguments"},
		{[]string{"streams", "show"}, ExitUsage, "takes one stream id"},
		{[]string{"streams", "show", "restore-live-servce"}, ExitFailure, `did you mean "restore-live-service"?`},
		{[]string{"streams", "show", "-h"}, ExitOK, "Usage: svcflow show ID"},
		{[]string{"streams", "validate"}, ExitOK, "ok: 13 value streams valid"},
		{[]string{"streams", "validate", "testdata/broken.yaml"}, ExitFailure, "testdata/broken.yaml:19:15: error: steps[1].activity"},
		{[]string{"streams", "validate", "testdata/slow.yaml"}, ExitOK, "warning: target_lead_time"},
		{[]string{"streams", "validate", "--strict", "testdata/slow.yaml"}, ExitFailure, "invalid: 0 errors, 1 warnings"},
		{[]string{"streams", "validate", "testdata/slow.yaml", "--strict"}, ExitFailure, "invalid: 0 errors, 1 warnings"},
		{[]string{"streams", "validate", "testdata/missing.yaml"}, ExitFailure, "no such file"},
		{[]string{"streams", "validate", "testdata"}, ExitFailure, "testdata/broken.yaml:19:15"},
		{[]string{"streams", "list", "--dir", "testdata"}, ExitFailure, "broken.yaml:9:1"},
		{[]string{"streams", "mvp", "--practice", "service-desks"}, ExitFailure, `did you mean "service-desk"?`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", tt.want, out, errOut)
			}
		})
	}
}

// TestFlagsAnywhere: flags may come before or after positional arguments,
// and -- ends the flags (SPEC §6).
func TestFlagsAnywhere(t *testing.T) {
	_, before, _ := run(t, "streams", "show", "--format", "json", "restore-live-service")
	_, after, _ := run(t, "streams", "show", "restore-live-service", "--format", "json")
	_, dashes, _ := run(t, "streams", "show", "--format=json", "--", "restore-live-service")
	if before == "" || before != after || before != dashes {
		t.Errorf("flag position changed the output:\nbefore: %.80s\nafter: %.80s\ndashes: %.80s", before, after, dashes)
	}
	code, _, errOut := run(t, "streams", "show", "--", "--format")
	if code != ExitFailure || !strings.Contains(errOut, `no value stream "--format"`) {
		t.Errorf("after --, --format should be a stream id: code %d, %s", code, errOut)
	}
}

func TestStreamsListJSON(t *testing.T) {
	code, out, errOut := run(t, "streams", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(list) < 13 {
		t.Errorf("got %d streams, want at least 13", len(list))
	}
	for _, s := range list {
		if s["id"] == "" || s["name"] == "" || s["id"] == nil || s["name"] == nil {
			t.Errorf("stream without id or name: %v", s)
		}
	}
}

// TestShowJSONUsesYAMLNames: the JSON definition has the field names of the
// YAML file it came from.
func TestShowJSONUsesYAMLNames(t *testing.T) {
	_, out, _ := run(t, "streams", "show", "restore-live-service", "--format", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	var src map[string]any
	if err := yaml.Unmarshal(library.Files()["streams/restore-live-service.yaml"], &src); err != nil {
		t.Fatal(err)
	}
	for key := range src {
		if _, ok := got[key]; !ok {
			t.Errorf("YAML field %q missing from the JSON", key)
		}
	}
	steps, _ := got["steps"].([]any)
	srcSteps, _ := src["steps"].([]any)
	if len(steps) != 7 || len(srcSteps) != 7 {
		t.Fatalf("got %d steps in JSON, %d in YAML, want 7", len(steps), len(srcSteps))
	}
	for i, st := range steps {
		m := st.(map[string]any)
		for key := range srcSteps[i].(map[string]any) {
			if _, ok := m[key]; !ok {
				t.Errorf("step %d: YAML field %q missing from the JSON", i, key)
			}
		}
		if m["number"] != float64(i+1) {
			t.Errorf("step %d: number %v", i, m["number"])
		}
	}
}

func TestMVPServiceConfigurationManagement(t *testing.T) {
	code, out, errOut := run(t, "streams", "mvp", "--practice", "service-configuration-management", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	var model []string
	for _, r := range rows {
		for _, k := range []string{"stream", "stream_name", "step", "step_name", "practice", "contribution", "source"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row lacks %q: %v", k, r)
			}
		}
		if r["practice"] != "service-configuration-management" {
			t.Errorf("row for another practice: %v", r)
		}
		if s := r["stream"].(string); s == "new-service" || s == "restore-live-service" {
			model = append(model, fmt.Sprint(s, "/", r["step"]))
		}
	}
	// Table 4.5 of 003 gives nine rows; the book's step lists add new-service
	// step 6 and restore-live-service step 3.
	want := []string{"new-service/1", "new-service/2", "new-service/3", "new-service/4", "new-service/5", "new-service/6",
		"restore-live-service/2", "restore-live-service/3", "restore-live-service/4", "restore-live-service/5", "restore-live-service/7"}
	if !slices.Equal(model, want) {
		t.Errorf("model stream rows:\n got %v\nwant %v", model, want)
	}
}

func TestMapRestoreLiveService(t *testing.T) {
	code, out, errOut := run(t, "streams", "map", "restore-live-service", "--format", "svg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := xml.NewDecoder(strings.NewReader(out))
	var titles []string
	var inTitle, branch bool
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "style" || tok.Name.Local == "script" {
				t.Errorf("<%s> element in the map", tok.Name.Local)
			}
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Name.Local] = a.Value
				if a.Name.Local == "style" {
					t.Errorf("style attribute on <%s>", tok.Name.Local)
				}
			}
			if tok.Name.Local == "g" && attrs["data-from"] == "investigate" && attrs["data-to"] == "value" {
				branch = true
			}
			inTitle = tok.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				titles = append(titles, string(tok))
			}
		case xml.EndElement:
			inTitle = false
		}
	}
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(titles, "\n")
	for _, st := range library.ByID(streams, "restore-live-service").Steps {
		if !strings.Contains(all, st.Name) {
			t.Errorf("no <title> names step %d in full: %q", st.Number, st.Name)
		}
	}
	if !branch {
		t.Error("no edge from investigate straight to value")
	}
}

func TestRenderFormats(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"streams", "render", "new-service"}, "| Value chain activity | Plan |"},
		{[]string{"streams", "render", "new-service", "--format", "html"}, "<h2 id=\"step-invest-decision\">"},
		{[]string{"streams", "show", "password-reset"}, "Password reset (password-reset, revision"},
		{[]string{"streams", "coverage", "--format", "markdown"}, "| Service configuration management |"},
		{[]string{"streams", "coverage", "--format", "json"}, `"practice": "incident-management"`},
		{[]string{"streams", "mvp", "--stream", "hr-app-access", "--format", "markdown"}, "Information security management practice"},
		{[]string{"streams", "practices", "--format", "json"}, `"id": "deliver_support"`},
		{[]string{"streams", "map", "new-service", "--lanes"}, "<svg"},
	} {
		code, out, errOut := run(t, tt.args...)
		if code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, output lacks %q\n%.400s\n%s", tt.args, code, tt.want, out, errOut)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := run(t, "streams", "validate", "--format", "json", "testdata/broken.yaml")
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	var res struct {
		Valid       bool
		Diagnostics []struct {
			File         string
			Line, Column int
			Path         string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Valid || len(res.Diagnostics) < 6 {
		t.Errorf("valid=%v with %d diagnostics", res.Valid, len(res.Diagnostics))
	}
	for _, d := range res.Diagnostics {
		if d.File != "testdata/broken.yaml" || d.Line < 1 || d.Column < 1 || d.Path == "" {
			t.Errorf("diagnostic not placed: %+v", d)
		}
	}
}

// TestDirAddsAndReplaces: --dir adds a team's streams and replaces built-in
// ones with the same id.
func TestDirAddsAndReplaces(t *testing.T) {
	dir := t.TempDir()
	slow, err := os.ReadFile("testdata/slow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	custom := strings.Replace(string(library.Files()["streams/password-reset.yaml"]), "name: Password reset", "name: Our password reset", 1)
	for name, body := range map[string]string{"slow.yaml": string(slow), "password-reset.yaml": custom} {
		if err := os.WriteFile(dir+"/"+name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, "streams", "list", "--format", "json", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, s := range list {
		names[s.ID] = s.Name
	}
	if len(list) != 14 || names["slow-request"] == "" || names["password-reset"] != "Our password reset" {
		t.Errorf("got %d streams: %v", len(list), names)
	}
	if !strings.Contains(errOut, "warning: target_lead_time") {
		t.Errorf("the warning of slow.yaml was not printed: %q", errOut)
	}
}
