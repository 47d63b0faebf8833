package svcflow_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/svcflow/svcflow"

// allowed lists, for every package of the module, the module packages it may
// import (non-test code). The domain at the root knows nothing of files,
// storage or transports; storage and transports depend on the domain, never
// the reverse; only cli knows which store is in use. A new package must be
// added here, which makes its place in the architecture a decision.
var allowed = map[string][]string{
	".":                  {},
	"internal/draw":      {"."},
	"internal/yamlpos":   {"."},
	"internal/streamdef": {".", "internal/yamlpos"},
	"internal/library":   {".", "internal/streamdef"},
	"internal/report":    {".", "internal/draw", "internal/streamdef", "internal/library", "internal/eventlog", "internal/flow", "internal/sim"},
	"internal/eventlog":  {"."},
	"internal/auth":      {},
	"internal/golden":    {},                // tests only
	"internal/dataset":   {},                // tests only
	"internal/svgtest":   {"internal/draw"}, // tests only
	"internal/csvimport": {"."},
	"internal/harness":   {},
	"internal/flow":      {".", "internal/eventlog", "internal/draw"},
	"internal/sim":       {".", "internal/eventlog", "internal/flow", "internal/yamlpos"},
	"internal/improve":   {".", "internal/eventlog", "internal/flow", "internal/desk"},
	"internal/desk":      {"."},
	"internal/demo":      {".", "internal/desk", "internal/library"},
	"internal/sqlite":    {".", "internal/desk"},
	"internal/postgres":  {".", "internal/desk"},
	"internal/storetest": {".", "internal/desk", "internal/library", "internal/scale", "internal/notify"},
	"internal/scale":     {".", "internal/desk", "internal/library"},
	"internal/notify":    {".", "internal/desk"},

	"internal/notify/smtptest": {}, // tests only
	"internal/uitest":          {}, // tests only: drives the demo server in a browser

	"internal/server": {".", "internal/desk", "internal/flow", "internal/report", "internal/sim", "internal/improve",
		"internal/eventlog", "internal/draw", "internal/library", "internal/streamdef", "internal/auth", "internal/notify"},
	"internal/cli": {"*"},
	"cmd/svcflow":  {"internal/cli"},
}

// thirdParty lists the packages allowed to import modules outside the
// standard library; the rest use the standard library and the module only.
var thirdParty = map[string]bool{
	"internal/streamdef": true, // YAML with positions
	"internal/yamlpos":   true, // YAML with positions
	"internal/auth":      true, // argon2id
	"internal/sqlite":    true,
	"internal/postgres":  true,
	"internal/storetest": true,
	"internal/server":    true,
	"internal/cli":       true,
	"internal/sim":       true, // distributions
	"internal/flow":      true, // statistics
}

func TestImportDirection(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				continue
			}
			t.Fatalf("read package %s: %v", dir, err)
		}
		rules, known := allowed[dir]
		if !known {
			t.Errorf("package %s is not in the import table of deps_test.go; add it with the packages it may import", dir)
			continue
		}
		checked++
		for _, imp := range pkg.Imports {
			if rel, ok := strings.CutPrefix(imp, module); ok {
				rel = strings.TrimPrefix(rel, "/")
				if rel == "" {
					rel = "."
				}
				if !slices.Contains(rules, "*") && !slices.Contains(rules, rel) {
					t.Errorf("%s imports %s; it may import only %v", dir, rel, rules)
				}
				continue
			}
			if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") && !thirdParty[dir] {
				t.Errorf("%s imports %s; it may use only the standard library and the module", dir, imp)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; is the test running at the module root?", checked)
	}
}
