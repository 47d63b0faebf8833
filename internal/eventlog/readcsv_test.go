package eventlog

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/dataset"
)

func TestReadCSVSemicolonQuoted(t *testing.T) {
	res := mustRead(t, "semicolon.csv", ReadOptions{})
	l := res.Log
	want := []string{
		"c1 Register ann 2024-01-02T09:00:00Z",
		"c1 Fix; then test bob 2024-01-02T10:00:00.5Z",
		"c2 Register ann 2024-01-02T11:00:00Z",
		"c2 Close carl 2024-01-02T12:00:00Z",
	}
	if got := eventsOf(l); !slices.Equal(got, want) {
		t.Errorf("got events\n%q\nwant\n%q", got, want)
	}
	note := l.EventAttr("note")
	if note == nil {
		t.Fatalf("no note column; event columns %v", l.EventAttrs)
	}
	var notes []string
	for _, v := range note.Values {
		notes = append(notes, l.Str(v))
	}
	if want := []string{"plain", `said "hi"`, "two\r\nlines; still one field", "x"}; !slices.Equal(notes, want) {
		t.Errorf("got notes %q, want %q", notes, want)
	}
	if res.WarningCount != 0 {
		t.Errorf("got warnings %v", res.Warnings)
	}
}

func TestReadCSVLineNumbersAfterQuotedNewline(t *testing.T) {
	in := "case,activity,timestamp,note\nc1,A,2024-01-01 10:00,\"a\nb\nc\"\nc1,B,garbage,x\n"
	res, err := ReadCSV(strings.NewReader(in), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Line != 5 {
		t.Fatalf("got warnings %v, want one at line 5", res.Warnings)
	}
}

func TestReadCSVRaggedRow(t *testing.T) {
	res := mustRead(t, "ragged.csv", ReadOptions{})
	if res.Log.Events() != 2 {
		t.Errorf("got %d events, want 2", res.Log.Events())
	}
	if res.WarningCount != 1 || res.Warnings[0].Line != 3 || !strings.Contains(res.Warnings[0].Message, "4 fields, want 3") {
		t.Errorf("got warnings %v, want one at line 3 about 4 fields", res.Warnings)
	}
	_, err := readTestdata(t, "ragged.csv", ReadOptions{Strict: true})
	if err == nil || !strings.Contains(err.Error(), "line 3: 4 fields, want 3") {
		t.Errorf("strict: got %v, want an error at line 3", err)
	}
}

func TestReadCSVBadTimestamp(t *testing.T) {
	const want = `line 3: column "Complete Timestamp": cannot parse "2012/13/45 xx" as a time (layout detected: %Y/%m/%d %H:%M:%S)`
	res, err := readTestdata(t, "badtime.csv", ReadOptions{Strict: true})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("strict: got %v, want %s", err, want)
	}
	if res != nil {
		t.Error("an error came with a result")
	}
	res = mustRead(t, "badtime.csv", ReadOptions{})
	if res.Log.Events() != 2 || res.WarningCount != 1 || res.Warnings[0].String() != want+"; row skipped" {
		t.Errorf("got %d events and warnings %v, want 2 and %q", res.Log.Events(), res.Warnings, want)
	}
}

func TestReadCSVDayMonthOrder(t *testing.T) {
	res := mustRead(t, "dmy_late.csv", ReadOptions{})
	want := []string{
		"c1 A  2024-02-01T09:00:00Z",
		"c1 B  2024-02-03T10:30:00Z",
		"c2 A  2024-02-25T08:00:00Z",
	}
	if got := eventsOf(res.Log); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err := readTestdata(t, "ambiguous.csv", ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), `ambiguous day/month order`) ||
		!strings.Contains(err.Error(), `--time-format '%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'`) {
		t.Errorf("ambiguous: got %v", err)
	}
	res = mustRead(t, "ambiguous.csv", ReadOptions{TimeFormat: "%m/%d/%Y %H:%M"})
	if got := eventsOf(res.Log)[0]; got != "c1 A  2024-01-02T09:00:00Z" {
		t.Errorf("with --time-format: got %q", got)
	}
	_, err = readTestdata(t, "mixed.csv", ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "mixed day/month order: line 3") {
		t.Errorf("mixed: got %v", err)
	}
}

func TestReadCSVOffsetsAndStart(t *testing.T) {
	res := mustRead(t, "offsets.csv", ReadOptions{})
	l := res.Log
	want := []int64{ts(t, "2024-03-30T23:30:00Z"), ts(t, "2024-03-31T03:30:00Z"), ts(t, "2024-03-31T10:30:00.123456789Z")}
	if !slices.Equal(l.Time, want) {
		t.Errorf("got times %v, want %v", l.Time, want)
	}
	wantStart := []int64{ts(t, "2024-03-30T23:00:00Z"), NoTime, ts(t, "2024-03-31T10:00:00Z")}
	if !slices.Equal(l.Start, wantStart) {
		t.Errorf("got starts %v, want %v", l.Start, wantStart)
	}
	if got := res.Columns[RoleStart]; got != "start_timestamp" {
		t.Errorf("got start column %q", got)
	}
}

func TestReadCSVTimeZone(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip(err)
	}
	res := mustRead(t, "zoneless.csv", ReadOptions{TZ: rome, TimeFormat: ""})
	_ = res
	// zoneless.csv mixes year-first and year-last dates on purpose.
	if res.WarningCount != 1 || !strings.Contains(res.Warnings[0].Message, "mixes year-first and year-last") {
		t.Errorf("got warnings %v", res.Warnings)
	}
	want := []int64{ts(t, "2024-01-15T09:00:00Z"), ts(t, "2024-07-15T08:00:00Z")} // CET, CEST
	if !slices.Equal(res.Log.Time, want) {
		t.Errorf("got %v, want %v", res.Log.Time, want)
	}
	in := "case,activity,timestamp\nc1,A,03/15/2024 02:30 PM\nc1,B,07/15/2024 12:05 AM\nc1,C,12/31/2024 12:00 pm\n"
	r, err := ReadCSV(strings.NewReader(in), ReadOptions{TZ: rome})
	if err != nil {
		t.Fatal(err)
	}
	want = []int64{ts(t, "2024-03-15T13:30:00Z"), ts(t, "2024-07-14T22:05:00Z"), ts(t, "2024-12-31T11:00:00Z")}
	if !slices.Equal(r.Log.Time, want) {
		t.Errorf("month first in Rome: got %v, want %v", r.Log.Time, want)
	}
}

func TestReadCSVColumns(t *testing.T) {
	const in = "Number,State,sys_updated_on,Assigned_to,seq,Lifecycle\nINC1,New,2024-01-01 10:00,ann,2,start\nINC1,Closed,2024-01-01 10:00,bob,1,complete\n"
	res, err := ReadCSV(strings.NewReader(in), ReadOptions{OrderBy: "seq"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{RoleCase: "Number", RoleActivity: "State", RoleTimestamp: "sys_updated_on", RoleResource: "Assigned_to", RoleLifecycle: "Lifecycle"}
	for role, name := range want {
		if res.Columns[role] != name {
			t.Errorf("role %s: got column %q, want %q", role, res.Columns[role], name)
		}
	}
	l := res.Log
	if got := eventsOf(l); got[0] != "INC1 Closed bob 2024-01-01T10:00:00Z" {
		t.Errorf("--order-by seq: got %q first", got[0])
	}
	if l.Phase == nil || l.Phase[0] != PhaseComplete {
		t.Errorf("got phases %v, want the lifecycle column used", l.Phase)
	}
	errs := []struct {
		opt  ReadOptions
		want string
	}{
		{ReadOptions{Case: "Ticket"}, `--case "Ticket": no such column; the header has "Number", "State"`},
		{ReadOptions{OrderBy: "nope"}, `--order-by "nope": no such column`},
		{ReadOptions{OrderBy: "State"}, `--order-by "State": the column is the log's activity`},
		{ReadOptions{TimeFormat: "%Y %Q"}, `unknown directive %Q`},
	}
	for _, e := range errs {
		if _, err := ReadCSV(strings.NewReader(in), e.opt); err == nil || !strings.Contains(err.Error(), e.want) {
			t.Errorf("%+v: got %v, want %s", e.opt, err, e.want)
		}
	}
	_, err = ReadCSV(strings.NewReader("id,what,when\n1,A,2024-01-01\n"), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "no case column found") || !strings.Contains(err.Error(), "pass --case COLUMN") {
		t.Errorf("got %v, want a missing case column error", err)
	}
	res, err = ReadCSV(strings.NewReader("id,what,when\n1,A,2024-01-01\n"), ReadOptions{Case: "id", Activity: "what", Timestamp: "WHEN"})
	if err != nil || res.Log.Events() != 1 {
		t.Errorf("with flags: got %v", err)
	}
}

func TestReadCSVMalformed(t *testing.T) {
	cases := []struct {
		name, in  string
		events    int
		warnLine  int
		errSubstr string
	}{
		{"empty", "", 0, 0, "no header"},
		{"header only", "case,activity,timestamp\n", 0, 0, ""},
		{"no final newline", "case,activity,timestamp\nc,A,2024-01-01 00:00", 1, 0, ""},
		{"unclosed quote", "case,activity,timestamp\nc,\"A,2024-01-01 00:00\n", 0, 0, "line 2: a quoted field is not closed"},
		{"text after quote", "case,activity,timestamp\nc,\"A\"x,2024-01-01 00:00\nc,B,2024-01-01 00:00\n", 1, 2, ""},
		{"empty case", "case,activity,timestamp\n,A,2024-01-01 00:00\n", 0, 2, ""},
		{"blank lines", "case,activity,timestamp\n\nc,A,2024-01-01 00:00\n\n", 1, 0, ""},
		{"bom tab", "\xef\xbb\xbfcase\tactivity\ttimestamp\nc\tA\t2024-01-01 00:00\n", 1, 0, ""},
	}
	for _, c := range cases {
		res, err := ReadCSV(strings.NewReader(c.in), ReadOptions{})
		if c.errSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), c.errSubstr) {
				t.Errorf("%s: got %v, want %q", c.name, err, c.errSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		checkLog(t, res.Log)
		if res.Log.Events() != c.events {
			t.Errorf("%s: got %d events, want %d", c.name, res.Log.Events(), c.events)
		}
		if c.warnLine != 0 && (len(res.Warnings) == 0 || res.Warnings[0].Line != c.warnLine) {
			t.Errorf("%s: got warnings %v, want one at line %d", c.name, res.Warnings, c.warnLine)
		}
	}
}

func TestDetectDelimiter(t *testing.T) {
	cases := map[string]byte{
		"a,b,c\n1,2,3\n":                   ',',
		"a;b;c\n1;2,5;3\n":                 ';',
		"a\tb\n1\t2\n":                     '\t',
		"a|b|c\n\"x|y\"|2|3\n":             '|',
		"a;b\n\"1;2\";3\n":                 ';',
		"single\nvalue\n":                  ',',
		"a,b;c;d\n1,2;3;4\n5;6;7;8,9,10\n": ';',
	}
	for in, want := range cases {
		if got := detectDelimiter([]byte(in), true); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// TestReadCSVHelpdesk checks the Helpdesk log against counts made with
// shell tools on the file, not with this package:
//
//	awk 'NR>1' helpdesk.csv | wc -l                                    # 21348 events
//	awk -F, 'NR>1{print $1}' helpdesk.csv | sort -u | wc -l           # 4580 cases
//	awk 'NR>1' helpdesk.csv | sort | uniq -d -c | awk '{s+=$1-1} END{print s}'  # 127 duplicates
//	awk -F, 'NR>1{print $2}' helpdesk.csv | sort -u | wc -l           # 14 activities
//	awk -F, 'NR>1{print $3}' helpdesk.csv | sort -u | wc -l           # 22 resources
//	awk -F, 'NR>1{print $4}' helpdesk.csv | sort | sed -n '1p;$p'     # first and last time
//	awk -F, -v c=N 'NR>1{k=$1; if(k in v && v[k]!=$c) bad=1; v[k]=$c} END{print bad}' helpdesk.csv
//	    # columns 5-8, 11 and 15 never change within a case; 9, 10, 12-14 and 16 do
func TestReadCSVHelpdesk(t *testing.T) {
	res, err := ReadFile(dataset.Path(t, "helpdesk/helpdesk.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Log
	checkLog(t, l)
	if l.Cases() != 4580 || l.Events() != 21348 || l.DuplicateRows != 127 {
		t.Errorf("got %d cases, %d events, %d duplicate rows; want 4580, 21348, 127", l.Cases(), l.Events(), l.DuplicateRows)
	}
	if got := distinct(l.Activity); got != 14 {
		t.Errorf("got %d activities, want 14", got)
	}
	if got := distinct(l.Resource); got != 22 {
		t.Errorf("got %d resources, want 22", got)
	}
	lo, hi := slices.Min(l.Time), slices.Max(l.Time)
	if lo != ts(t, "2010-01-13T08:40:25Z") || hi != ts(t, "2014-01-03T13:20:58Z") {
		t.Errorf("got times %s to %s", time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC())
	}
	var caseCols, eventCols []string
	for _, c := range l.CaseAttrs {
		caseCols = append(caseCols, c.Name)
	}
	for _, c := range l.EventAttrs {
		eventCols = append(eventCols, c.Name)
	}
	if want := []string{"Variant", "Variant index", "Variant (2)", "seriousness", "responsible_section", "support_section"}; !slices.Equal(caseCols, want) {
		t.Errorf("got case attributes %q, want %q", caseCols, want)
	}
	if want := []string{"customer", "product", "seriousness_2", "service_level", "service_type", "workgroup"}; !slices.Equal(eventCols, want) {
		t.Errorf("got event attributes %q, want %q", eventCols, want)
	}
	if res.WarningCount != 1 || !strings.Contains(res.Warnings[0].Message, `repeats the name "Variant"`) {
		t.Errorf("got warnings %v, want the one about Variant", res.Warnings)
	}
	want := map[string]string{RoleCase: "Case ID", RoleActivity: "Activity", RoleTimestamp: "Complete Timestamp", RoleResource: "Resource"}
	if !mapsEqual(res.Columns, want) {
		t.Errorf("got columns %v, want %v", res.Columns, want)
	}
}

// TestReadCSVBPIC2013 reads the BPIC 2013 incidents flattened to CSV:
// its lifecycle column holds VINST sub-statuses, never lifecycle.
//
//	awk -F, 'NR>1{print $1}' bpic2013_incidents.csv | sort -u | wc -l   # 7554
//	awk 'NR>1' bpic2013_incidents.csv | wc -l                           # 65533
//	awk -F, 'NR>1{print $4}' bpic2013_incidents.csv | sort | uniq -c    # In Progress 30239, …
func TestReadCSVBPIC2013(t *testing.T) {
	res, err := ReadFile(dataset.Path(t, "bpic2013_incidents/bpic2013_incidents.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Log
	checkLog(t, l)
	if l.Cases() != 7554 || l.Events() != 65533 {
		t.Errorf("got %d cases, %d events; want 7554, 65533", l.Cases(), l.Events())
	}
	if l.Phase != nil {
		t.Error("the VINST sub-statuses became lifecycle phases")
	}
	lc := l.EventAttr("lifecycle")
	if lc == nil {
		t.Fatal("the lifecycle column is not kept as an attribute")
	}
	inProgress := 0
	for _, v := range lc.Values {
		if l.Str(v) == "In Progress" {
			inProgress++
		}
	}
	if inProgress != 30239 {
		t.Errorf("got %d In Progress, want 30239", inProgress)
	}
	if res.WarningCount != 1 || !strings.Contains(res.Warnings[0].Message, "not standard XES lifecycle transitions") {
		t.Errorf("got warnings %v", res.Warnings)
	}
	if _, ok := res.Columns[RoleLifecycle]; ok {
		t.Error("Columns names a lifecycle column the log does not use")
	}
	if lo := slices.Min(l.Time); lo != ts(t, "2010-03-31T14:59:42Z") {
		t.Errorf("got first time %s", time.Unix(0, lo).UTC())
	}
}

func distinct(vals []uint32) int {
	seen := map[uint32]bool{}
	for _, v := range vals {
		if v != 0 {
			seen[v] = true
		}
	}
	return len(seen)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// BenchmarkReadCSV1M reads a synthetic log of about a million events
// (100,000 cases, ~55 MB) and reports the memory of the log per event.
func BenchmarkReadCSV1M(b *testing.B) {
	var buf bytes.Buffer
	buf.Grow(64 << 20)
	if err := Synthesize(&buf, SynthOptions{Cases: 100000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var l *Log
	for b.Loop() {
		res, err := ReadCSV(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		l = res.Log
	}
	b.ReportMetric(float64(l.Bytes())/float64(l.Events()), "B/event")
	b.ReportMetric(float64(l.Events()), "events")
}
