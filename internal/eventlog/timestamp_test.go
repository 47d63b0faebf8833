package eventlog

import (
	"strings"
	"testing"
	"time"
)

func TestDaysFromCivil(t *testing.T) {
	for y := minYear; y <= maxYear; y += 7 {
		for m := 1; m <= 12; m++ {
			d := daysIn(m, y)
			want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
			if got := daysFromCivil(y, m, d); got != want {
				t.Fatalf("%d-%02d-%02d: got %d, want %d", y, m, d, got, want)
			}
		}
	}
}

func TestParseDetect(t *testing.T) {
	cases := []struct {
		in, want, layout string // want "" = not a time
	}{
		{"2024-01-02T15:04:05", "2024-01-02T15:04:05Z", "%Y-%m-%dT%H:%M:%S"},
		{"2024/01/02 15:04", "2024-01-02T15:04:00Z", "%Y/%m/%d %H:%M"},
		{"2024.1.2 5:04:05.25", "2024-01-02T05:04:05.25Z", "%Y.%m.%d %H:%M:%S.%f"},
		{"2024-01-02", "2024-01-02T00:00:00Z", "%Y-%m-%d"},
		{"2024-01-02T15:04:05.123456789123Z", "2024-01-02T15:04:05.123456789Z", "%Y-%m-%dT%H:%M:%S.%f%z"},
		{"2024-01-02T15:04:05,5+01:30", "2024-01-02T13:34:05.5Z", "%Y-%m-%dT%H:%M:%S.%f%z"},
		{"2024-01-02T15:04:05-0700", "2024-01-02T22:04:05Z", "%Y-%m-%dT%H:%M:%S%z"},
		{"2024-01-02 15:04:05 +03", "2024-01-02T12:04:05Z", "%Y-%m-%d %H:%M:%S%z"},
		{"2024-02-30", "", ""},
		{"2024-01-02T24:00:00", "", ""},
		{"2024-01-02T10:00:00+25:00", "", ""},
		{"2024-01-02x", "", ""},
		{"1500-01-01", "", ""},
		{"24-01-02", "", ""},
		{"", "", ""},
		{"2024-01-02T10", "", ""},
		{"2024-01-02T10:0", "", ""},
	}
	for _, c := range cases {
		var cv civil
		var s shape
		ok := parseDetect([]byte(c.in), &cv, &s) && cv.check() == ""
		if c.want == "" {
			if ok {
				t.Errorf("%q: parsed, want an error", c.in)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: not parsed", c.in)
			continue
		}
		if got := time.Unix(0, cv.unixNano(nil)).UTC().Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
		if got := s.layout(""); got != c.layout {
			t.Errorf("%q: got layout %s, want %s", c.in, got, c.layout)
		}
	}
}

func TestTimeColumnNumeric(t *testing.T) {
	cases := []struct {
		values []string
		want   []string // RFC 3339 times, or one "error: substring"
	}{
		{[]string{"1/2/2024", "13/2/2024 10:00"}, []string{"2024-02-01T00:00:00Z", "2024-02-13T10:00:00Z"}},
		{[]string{"1/2/2024", "2/13/2024 10:00 pm"}, []string{"2024-01-02T00:00:00Z", "2024-02-13T22:00:00Z"}},
		{[]string{"31-01-2024 10:00:00+01:00", "01-02-2024 10:00:00"}, []string{"2024-01-31T09:00:00Z", "2024-02-01T10:00:00Z"}},
		{[]string{"29.02.2024", "28.02.2023"}, []string{"2024-02-29T00:00:00Z", "2023-02-28T00:00:00Z"}}, // month 29 does not exist
		{[]string{"1/2/2024", "2/1/2024"}, []string{"error: (line 1: \"1/2/2024\"); pass --time-format '%d/%m/%Y' or '%m/%d/%Y'"}},
		{[]string{"13/1/2024", "1/13/2024"}, []string{"error: mixed day/month order"}},
		{[]string{"31/4/2024"}, []string{"error: " + `cannot parse "31/4/2024"`}},
	}
	for _, c := range cases {
		tc := &timeColumn{name: "when"}
		times := make([]int64, 0, len(c.values))
		var err error
		for i, v := range c.values {
			tm, p, msg := tc.parse([]byte(v), i+1)
			if msg != "" {
				err = errorString(msg)
				break
			}
			times = append(times, tm)
			tc.keep(i, p)
		}
		if err == nil {
			err = tc.resolve(times)
		}
		if want, ok := strings.CutPrefix(c.want[0], "error: "); ok || err != nil {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: got %v, want %q", c.values, err, c.want[0])
			}
			continue
		}
		for i, tm := range times {
			if got := time.Unix(0, tm).UTC().Format(time.RFC3339); got != c.want[i] {
				t.Errorf("%q: value %d: got %s, want %s", c.values, i, got, c.want[i])
			}
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestStrftime(t *testing.T) {
	cases := []struct {
		layout, in, want string // want: RFC 3339, or "error: substring"
	}{
		{"%d/%m/%Y %H:%M", "02/01/2024 15:04", "2024-01-02T15:04:00Z"},
		{"%Y-%m-%dT%H:%M:%S.%f%z", "2024-01-02T15:04:05.5+01:00", "2024-01-02T14:04:05.5Z"},
		{"%F %T", "2024-01-02 15:04:05", "2024-01-02T15:04:05Z"},
		{"%e %b %Y %I:%M %p", " 2 Jan 2024 03:04 PM", "2024-01-02T15:04:00Z"},
		{"%d %B %y", "02 january 99", "1999-01-02T00:00:00Z"},
		{"%d %B %y", "02 JANUARY 24", "2024-01-02T00:00:00Z"},
		{"%Y %j", "2024 366", "2024-12-31T00:00:00Z"},
		{"%Y %j", "2023 366", "error: day of year 366"},
		{"%Y-%m-%d %H:%M:%S %Z", "2024-01-02 15:04:05 UTC", "2024-01-02T15:04:05Z"},
		{"%Y-%m-%d %Z", "2024-01-02 CET", "error: zone name \"CET\""},
		{"%H%%%M", "10%30", "1970-01-01T10:30:00Z"},
		{"%d/%m/%Y", "02/01/2024 extra", "error: unexpected \" extra\""},
		{"%d/%m/%Y", "02-01-2024", "error: expected \"/\""},
		{"%I %p", "13 PM", "error: hour 13"},
		{"%Y %Q", "", "error: unknown directive %Q"},
		{"%Y %", "", "error: ends with a lone %"},
	}
	for _, c := range cases {
		f, err := compileStrftime(c.layout)
		var why string
		var cv civil
		if err != nil {
			why = err.Error()
		} else if why = f.parse([]byte(c.in), &cv); why == "" {
			why = cv.check()
		}
		if strings.HasPrefix(c.want, "error: ") {
			if !strings.Contains(why, strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("%q %q: got %q, want %s", c.layout, c.in, why, c.want)
			}
			continue
		}
		if why != "" {
			t.Errorf("%q %q: %s", c.layout, c.in, why)
			continue
		}
		if got := time.Unix(0, cv.unixNano(nil)).UTC().Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%q %q: got %s, want %s", c.layout, c.in, got, c.want)
		}
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	tc := &timeColumn{name: "t"}
	v := []byte("2024-01-02T15:04:05.123+02:00")
	for b.Loop() {
		if _, _, msg := tc.parse(v, 1); msg != "" {
			b.Fatal(msg)
		}
	}
}
