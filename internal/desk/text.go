package desk

import (
	"strings"
	"unicode/utf8"

	"github.com/svcflow/svcflow"
)

// checkText refuses free text both engines cannot store alike: invalid
// UTF-8, and NUL characters, which PostgreSQL text columns reject.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return svcflow.FieldErrorf(field, "is not valid UTF-8 text")
	}
	if strings.ContainsRune(s, 0) {
		return svcflow.FieldErrorf(field, "contains a NUL character")
	}
	return nil
}
