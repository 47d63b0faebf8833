package cli

import (
	"strings"
	"testing"
)

// TestScale runs the three scale commands on a small embedded store.
func TestScale(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "scale", "generate", "--items", "500", "--end", "2026-03-02", "--people", "200", "--data", dir)
	if code != ExitOK {
		t.Fatalf("generate: exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"generated ", "(500 arrivals", "events/s", "statuses: new", "team queues"} {
		if !strings.Contains(out, want) {
			t.Errorf("generate output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = run(t, "scale", "check", "--sample", "0.2", "--data", dir)
	if code != ExitOK || !strings.Contains(out, "0 mismatches") {
		t.Errorf("check: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "scale", "query", "--runs", "20", "--data", dir)
	if code != ExitOK {
		t.Fatalf("query: exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"p99 ms", "team queue", "requester items", "service and status"} {
		if !strings.Contains(out, want) {
			t.Errorf("query output lacks %q:\n%s", want, out)
		}
	}
}

func TestScaleUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scale"}, "missing scale subcommand"},
		{[]string{"scale", "grow"}, `unknown scale subcommand "grow"`},
		{[]string{"scale", "generate"}, "needs --items N"},
		{[]string{"scale", "generate", "--items", "5", "--end", "yesterday"}, `--end "yesterday"`},
		{[]string{"scale", "check", "--sample", "2"}, "--sample 2"},
		{[]string{"scale", "query", "--runs", "0"}, "--runs 0"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, out+errOut, ExitUsage, tt.want)
		}
	}
}
