package eventlog

import (
	"encoding/xml"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/dataset"
)

func TestReadXESLifecycle(t *testing.T) {
	res := mustRead(t, "lifecycle.xes", ReadOptions{})
	l := res.Log
	want := []string{
		"INC-1 Triage ann 2024-05-01T08:00:00Z",
		"INC-1 Triage ann 2024-05-01T08:30:00Z",
		"INC-2 Triage  2024-05-02T08:00:00Z",
	}
	if got := eventsOf(l); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if want := []Phase{PhaseStart, PhaseComplete, PhaseComplete}; !slices.Equal(l.Phase, want) {
		t.Errorf("got phases %v, want %v", l.Phase, want)
	}
	if got := attrValues(l, l.EventAttr("concept:instance")); !slices.Equal(got, []string{"1", "1", ""}) {
		t.Errorf("got concept:instance %q", got)
	}
	if got := attrValues(l, l.EventAttr("effort")); !slices.Equal(got, []string{"", "30", ""}) {
		t.Errorf("got effort %q", got)
	}
	if got := attrValues(l, l.CaseAttr("priority")); !slices.Equal(got, []string{"P2", "P3"}) {
		t.Errorf("got priority %q", got)
	}
	want2 := map[string]string{RoleCase: "concept:name", RoleActivity: "concept:name", RoleTimestamp: "time:timestamp",
		RoleResource: "org:resource", RoleLifecycle: "lifecycle:transition"}
	if !mapsEqual(res.Columns, want2) {
		t.Errorf("got columns %v", res.Columns)
	}
	if res.WarningCount != 0 {
		t.Errorf("got warnings %v", res.Warnings)
	}
}

func attrValues(l *Log, c *Column) []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.Values))
	for i, v := range c.Values {
		out[i] = l.Str(v)
	}
	return out
}

func TestReadXESNested(t *testing.T) {
	res := mustRead(t, "nested.xes", ReadOptions{})
	l := res.Log
	want := []string{
		"T1 Open & log  2024-01-01T09:00:00Z",
		"trace 2 Anonymous  2024-01-02T08:00:00Z",
	}
	if got := eventsOf(l); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	var names []string
	for _, c := range l.EventAttrs {
		names = append(names, c.Name)
	}
	if want := []string{"cost:total", "urgent"}; !slices.Equal(names, want) {
		t.Errorf("got event columns %q, want %q (nested ones ignored)", names, want)
	}
	if len(l.CaseAttrs) != 0 {
		t.Errorf("got case attributes %v, want none (a list has no value)", l.CaseAttrs)
	}
	var msgs []string
	for _, w := range res.Warnings {
		msgs = append(msgs, w.String())
	}
	wantW := []string{"line 34: event without time:timestamp; event skipped", `line 38: trace without concept:name; named "trace 2"`}
	if !slices.Equal(msgs, wantW) {
		t.Errorf("got warnings %q, want %q", msgs, wantW)
	}
	_, err := readTestdata(t, "nested.xes", ReadOptions{Strict: true})
	if err == nil || !strings.Contains(err.Error(), "line 34: event without time:timestamp") {
		t.Errorf("strict: got %v", err)
	}
}

func TestReadXESTruncated(t *testing.T) {
	res, err := readTestdata(t, "truncated.xes", ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 16: unexpected end of input") {
		t.Errorf("got %v, want an error at line 16", err)
	}
	if res != nil {
		t.Error("an error came with a result")
	}
}

func TestReadXESMalformed(t *testing.T) {
	const head = "<log>\n<trace>\n<string key=\"concept:name\" value=\"c\"/>\n"
	const ev = "<event><string key=\"concept:name\" value=\"A\"/><date key=\"time:timestamp\" value=\"2024-01-01T00:00:00Z\"/></event>\n"
	cases := []struct{ name, in, want string }{
		{"empty", "", "line 1: no root element"},
		{"not xes", "<html></html>", "not an XES <log>"},
		{"mismatch", head + ev + "</event>\n</log>", "line 5: </event> closes <trace> opened at line 2"},
		{"unclosed trace", head + ev, "line 5: unexpected end of input: <trace> opened at line 2 is not closed"},
		{"bad entity", head + "<event><string key=\"concept:name\" value=\"&nope;\"/></event></trace></log>", "line 4: attribute value of <string>: unknown reference &nope;"},
		{"unquoted", "<log>\n<trace a=b>", "line 2: attribute a of <trace>: the value is not quoted"},
		{"lt in value", "<log><trace a=\"<\"></trace></log>", "'<' in an attribute value"},
		{"two roots", "<log></log>\n<log></log>", "line 2: <log> after the end of the root element"},
		{"text outside", "<log></log>\nhello", "text outside the root element"},
		{"bad time", head + "<event><string key=\"concept:name\" value=\"A\"/><date key=\"time:timestamp\" value=\"yesterday\"/></event></trace></log>", "line 4: time:timestamp: cannot parse \"yesterday\""},
		{"close nothing", "</log>", "closes no element"},
	}
	for _, c := range cases {
		_, err := ReadXES(strings.NewReader(c.in), ReadOptions{Strict: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	// What the scanner accepts besides tags.
	ok := "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!DOCTYPE log [<!ELEMENT log ANY>]>\n<!-- c -->\n<log><![CDATA[<x>]]>" +
		"<trace>\r\n<string key='concept:name' value=\"a&#x41;&#66;&lt;&amp;&quot;&apos;\tb\"/>" + ev + "</trace><?pi x?></log>\n"
	res, err := ReadXES(strings.NewReader(ok), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Log.Str(res.Log.CaseID[0]); got != `aAB<&"' b` {
		t.Errorf("got case id %q", got)
	}
}

// TestXMLScannerAgrees checks the scanner against encoding/xml on the
// test logs: the same elements with the same attributes, in order.
func TestXMLScannerAgrees(t *testing.T) {
	for _, name := range []string{"lifecycle.xes", "nested.xes", "../../testdata/fixture.xes"} {
		data, err := os.ReadFile("testdata/read/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		d := xml.NewDecoder(strings.NewReader(string(data)))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				s := "<" + tok.Name.Local
				for _, a := range tok.Attr {
					s += " " + a.Name.Local + "=" + a.Value
				}
				want = append(want, s)
			case xml.EndElement:
				want = append(want, "/"+tok.Name.Local)
			}
		}
		var got []string
		s := newXMLScanner(strings.NewReader(string(data)))
		for s.next() {
			if s.closing {
				got = append(got, "/"+string(s.name))
				continue
			}
			e := "<" + string(s.name)
			for _, a := range s.attrs {
				e += " " + string(a.name) + "=" + string(a.value)
			}
			got = append(got, e)
		}
		if s.err != nil {
			t.Fatalf("%s: %v", name, s.err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the scanner and encoding/xml differ", name)
		}
	}
}

// TestReadXESHelpdesk compares the Helpdesk XES with its CSV release:
//
//	zcat helpdesk.xes.gz | grep -c '<trace>'    # 4580
//	zcat helpdesk.xes.gz | grep -c '<event>'    # 21348
//	# (activity, resource) pairs: the md5 of the sorted pairs extracted with
//	# awk from the XES equals that of awk -F, 'NR>1{print $2"|"$3}' on the CSV
//	zcat helpdesk.xes.gz | grep time:timestamp | sort | head -1   # 2010-01-13T08:40:25.000+02:00
//
// The XES carries the CSV's wall-clock times with an offset added, so its
// first event is two hours before the CSV's read as UTC.
func TestReadXESHelpdesk(t *testing.T) {
	x, err := ReadFile(dataset.Path(t, "helpdesk/helpdesk.xes.gz"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadFile(dataset.Path(t, "helpdesk/helpdesk.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	xl, cl := x.Log, c.Log
	checkLog(t, xl)
	if xl.Cases() != 4580 || xl.Events() != 21348 {
		t.Errorf("got %d cases, %d events; want 4580, 21348", xl.Cases(), xl.Events())
	}
	pairs := func(l *Log) []string {
		out := make([]string, l.Events())
		for i := range out {
			out[i] = l.Str(l.Activity[i]) + "|" + l.Str(l.Resource[i])
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(pairs(xl), pairs(cl)) {
		t.Error("the XES and the CSV have different (activity, resource) pairs")
	}
	if got, want := slices.Min(xl.Time), slices.Min(cl.Time)-int64(2*time.Hour); got != want {
		t.Errorf("got first XES time %s, want %s", time.Unix(0, got).UTC(), time.Unix(0, want).UTC())
	}
	if xl.Phase == nil || x.Columns[RoleLifecycle] != "lifecycle:transition" {
		t.Error("the standard lifecycle:transition (all complete) is not used")
	}
	if x.WarningCount != 0 {
		t.Errorf("got warnings %v", x.Warnings)
	}
}

// TestReadXESBPIC2013 reads the BPIC 2013 incidents XES:
//
//	zcat BPI_Challenge_2013_incidents.xes.gz | grep -c '<trace>'   # 7554
//	zcat BPI_Challenge_2013_incidents.xes.gz | grep -c '<event>'   # 65533
func TestReadXESBPIC2013(t *testing.T) {
	start := time.Now()
	res, err := ReadFile(dataset.Path(t, "bpic2013_incidents/BPI_Challenge_2013_incidents.xes.gz"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read in %s", time.Since(start))
	l := res.Log
	checkLog(t, l)
	if l.Cases() != 7554 || l.Events() != 65533 {
		t.Errorf("got %d cases, %d events; want 7554, 65533", l.Cases(), l.Events())
	}
	if l.Phase != nil {
		t.Error("the VINST sub-statuses became lifecycle phases")
	}
	if l.EventAttr("lifecycle:transition") == nil {
		t.Error("lifecycle:transition is not kept as an attribute")
	}
	if res.WarningCount != 1 || !strings.Contains(res.Warnings[0].Message, `"lifecycle:transition" holds values that are not standard`) {
		t.Errorf("got warnings %v", res.Warnings)
	}
	if lo, hi := slices.Min(l.Time), slices.Max(l.Time); lo != ts(t, "2010-03-31T14:59:42Z") || hi != ts(t, "2012-05-22T23:22:25Z") {
		t.Errorf("got times %s to %s", time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC())
	}
	role := l.EventAttr("org:role")
	missing := 0
	for _, v := range role.Values {
		if v == 0 {
			missing++
		}
	}
	if missing != 6950 { // the data set's README: org:role is missing on 6,950 events
		t.Errorf("got org:role missing on %d events, want 6950", missing)
	}
}

// TestReadXESRoleKeys reads the BPIC 2013 incidents by their VINST
// sub-status, as the data set's README counts them: 13 activity classes
// once lifecycle:transition is the activity, and In Progress 30,239 times.
func TestReadXESRoleKeys(t *testing.T) {
	res, err := ReadFile(dataset.Path(t, "bpic2013_incidents/BPI_Challenge_2013_incidents.xes.gz"),
		ReadOptions{Activity: "lifecycle:transition", Resource: "org:group"})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Log
	counts := map[string]int{}
	for _, a := range l.Activity {
		counts[l.Str(a)]++
	}
	if len(counts) != 13 || counts["In Progress"] != 30239 || counts["Awaiting Assignment"] != 11544 {
		t.Errorf("%d activities, In Progress %d, Awaiting Assignment %d; want 13, 30239, 11544", len(counts), counts["In Progress"], counts["Awaiting Assignment"])
	}
	if l.EventAttr("concept:name") == nil || l.EventAttr("lifecycle:transition") != nil || l.EventAttr("org:resource") == nil || res.WarningCount != 0 {
		t.Errorf("columns %v, warnings %v", l.EventAttrs, res.Warnings)
	}
	if res.Columns[RoleActivity] != "lifecycle:transition" || res.Columns[RoleResource] != "org:group" || res.Columns[RoleLifecycle] != "" {
		t.Errorf("roles %v", res.Columns)
	}
}

// BenchmarkReadXESBPIC2013 reads the whole BPIC 2013 file (1.3 MB gzip,
// 40 MB XML).
func BenchmarkReadXESBPIC2013(b *testing.B) {
	p := dataset.Path(b, "bpic2013_incidents/BPI_Challenge_2013_incidents.xes.gz")
	for b.Loop() {
		if _, err := ReadFile(p, ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
