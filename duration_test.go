package svcflow_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in       string
		calendar time.Duration
		bd       float64
		estimate time.Duration
		str      string
	}{
		{"15m", 15 * time.Minute, 0, 15 * time.Minute, "15m"},
		{"4h", 4 * time.Hour, 0, 4 * time.Hour, "4h"},
		{"2d", 48 * time.Hour, 0, 48 * time.Hour, "2d"},
		{"1w", 7 * 24 * time.Hour, 0, 7 * 24 * time.Hour, "1w"},
		{"1h30m", 90 * time.Minute, 0, 90 * time.Minute, "1h30m"},
		{"90m", 90 * time.Minute, 0, 90 * time.Minute, "1h30m"},
		{"1.5h", 90 * time.Minute, 0, 90 * time.Minute, "1h30m"},
		{"1.5s", 1500 * time.Millisecond, 0, 1500 * time.Millisecond, "1.5s"},
		{"3bd", 0, 3, 24 * time.Hour, "3bd"},
		{"0.5bd", 0, 0.5, 4 * time.Hour, "0.5bd"},
		{" 2h ", 2 * time.Hour, 0, 2 * time.Hour, "2h"},
	}
	for _, tt := range tests {
		d, err := svcflow.ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
			continue
		}
		if d.Calendar != tt.calendar || d.BusinessDays != tt.bd {
			t.Errorf("ParseDuration(%q) = %+v, want calendar %v, bd %v", tt.in, d, tt.calendar, tt.bd)
		}
		if got := d.Estimate(); got != tt.estimate {
			t.Errorf("%q.Estimate() = %v, want %v", tt.in, got, tt.estimate)
		}
		if got := d.String(); got != tt.str {
			t.Errorf("%q.String() = %q, want %q", tt.in, got, tt.str)
		}
		back, err := svcflow.ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("%q does not round-trip: %v, %v", tt.in, back, err)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{"", "0m", "0bd", "-1h", "-2bd", "5", "h", "4x", "4hours", "1m1h", "1h1h", "bd", "1e3bd", "1..5h", "200000w"} {
		if d, err := svcflow.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var v struct {
		D svcflow.Duration `json:"d,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2bd"}`), &v); err != nil || v.D.BusinessDays != 2 {
		t.Fatalf("unmarshal: %v %+v", err, v)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"d":"2bd"}` {
		t.Errorf("marshal: got %s", b)
	}
	v.D = svcflow.Duration{}
	if b, _ := json.Marshal(v); string(b) != `{}` {
		t.Errorf("zero duration: got %s, want {}", b)
	}
	if err := json.Unmarshal([]byte(`{"d":"soon"}`), &v); err == nil {
		t.Error("a bad duration unmarshalled without error")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"15m", "1h30m", "3bd", "0.5bd", "1w2d3h4m5s", "-1h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := svcflow.ParseDuration(s)
		if err != nil {
			return
		}
		if d.Estimate() <= 0 {
			t.Fatalf("ParseDuration(%q) accepted a non-positive duration %+v", s, d)
		}
		back, err := svcflow.ParseDuration(d.String())
		if err != nil {
			t.Fatalf("ParseDuration(%q).String() = %q does not parse: %v", s, d.String(), err)
		}
		if diff := back.Estimate() - d.Estimate(); diff > time.Microsecond || diff < -time.Microsecond {
			t.Fatalf("%q: round trip through %q changed %v to %v", s, d.String(), d.Estimate(), back.Estimate())
		}
	})
}
