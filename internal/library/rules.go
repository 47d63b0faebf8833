package library

import (
	"embed"
	"fmt"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/streamdef"
)

//go:embed rules/defaults.yaml
var rulesFS embed.FS

// DefaultRulesFile is the path of the shipped automation rules.
const DefaultRulesFile = "rules/defaults.yaml"

// Rules parses the shipped automation rules. It fails only if the
// embedded file is broken, which the package's tests rule out.
func Rules() ([]*svcflow.Rule, error) {
	b, err := rulesFS.ReadFile(DefaultRulesFile)
	if err != nil {
		return nil, fmt.Errorf("library: embedded rules missing: %w", err)
	}
	rules, diags := streamdef.ParseRules(DefaultRulesFile, b)
	if streamdef.HasErrors(diags) {
		msgs := make([]string, 0, len(diags))
		for _, d := range diags {
			msgs = append(msgs, d.String())
		}
		return nil, fmt.Errorf("built-in rules are invalid:\n%s", strings.Join(msgs, "\n"))
	}
	return rules, nil
}
