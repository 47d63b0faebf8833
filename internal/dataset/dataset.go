// Package dataset finds the real public event logs that tests and
// benchmarks read (SPEC §7). They live outside the repository: at
// $SVCFLOW_DATASETS, else at ../shared/data beside the module root. Only
// tests import it.
package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of a file in the data sets (for example
// "helpdesk/helpdesk.csv"). When the file is missing the test is skipped
// with a message saying where it looked, or fails if SVCFLOW_REQUIRE_ALL=1.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, where := Dir()
	if dir != "" {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p
		}
		where = p
	}
	msg := "data set " + rel + " not found (looked at " + where + "; set SVCFLOW_DATASETS)"
	if os.Getenv("SVCFLOW_REQUIRE_ALL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Dir returns the data set directory, or "" and a description of where it
// looked.
func Dir() (dir, looked string) {
	if d := os.Getenv("SVCFLOW_DATASETS"); d != "" {
		return d, d
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", "the working directory: " + err.Error()
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "data")
			if _, err := os.Stat(p); err == nil {
				return p, p
			}
			return "", p
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "no go.mod above " + wd
		}
		d = parent
	}
}
