package eventlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	svcflow "github.com/svcflow/svcflow"
)

// TimeLayout is how both writers format times: RFC 3339 in UTC with
// milliseconds and an explicit offset ("2026-03-02T09:15:00.250+00:00").
// Milliseconds are what process mining tools keep; finer digits are
// truncated. The numeric offset, rather than Z, is how OpenXES and PM4Py
// write XES dates, and a fixed width sorts as text.
const TimeLayout = "2006-01-02T15:04:05.000-07:00"

// appendTime appends t in TimeLayout. RFC 3339 has four-digit years only, so
// any other year is an error rather than a timestamp no tool reads back.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return dst, fmt.Errorf("time %s is outside the years 0000-9999 that RFC 3339 can write", t.Format(time.RFC3339))
	}
	return u.AppendFormat(dst, TimeLayout), nil
}

// valueType is the XES type of an attribute value.
type valueType uint8

const (
	typeString valueType = iota
	typeInt
	typeBoolean
)

// element returns the XES element that holds a value of type v.
func (v valueType) element() string {
	switch v {
	case typeInt:
		return "int"
	case typeBoolean:
		return "boolean"
	}
	return "string"
}

// field is one payload field of an event, keyed by its JSON name in
// svcflow.EventData.
type field struct {
	key   string
	typ   valueType
	value string
}

// appendData appends the non-empty fields of d, except the team (which XES
// writes as org:group and CSV as a column), sorted by key. Sorting once here
// gives both formats the same order, which the CSV detail column requires.
// Zero means "not set" for every field, as the JSON encoding of EventData
// already assumes with omitempty.
func appendData(dst []field, d *svcflow.EventData) []field {
	str := func(dst []field, key, v string) []field {
		if v == "" {
			return dst
		}
		return append(dst, field{key, typeString, v})
	}
	num := func(dst []field, key string, v int) []field {
		if v == 0 {
			return dst
		}
		return append(dst, field{key, typeInt, strconv.Itoa(v)})
	}
	dst = str(dst, "category", d.Category)
	dst = str(dst, "comment", d.Comment)
	dst = num(dst, "cost_of_delay", d.CostOfDelay)
	dst = str(dst, "decision", d.Decision)
	dst = str(dst, "entry", d.Entry)
	dst = str(dst, "field", d.Field)
	dst = num(dst, "impact", d.Impact)
	dst = str(dst, "kind", string(d.Kind))
	dst = str(dst, "link", d.Link)
	dst = str(dst, "organisation", d.Organisation)
	dst = str(dst, "other", d.Other)
	dst = str(dst, "outcome", d.Outcome)
	dst = str(dst, "person", d.Person)
	dst = str(dst, "priority", string(d.Priority))
	if d.Public {
		dst = append(dst, field{"public", typeBoolean, "true"})
	}
	dst = str(dst, "reason", d.Reason)
	dst = str(dst, "requested_by", d.RequestedBy)
	dst = str(dst, "requested_for", d.RequestedFor)
	dst = num(dst, "score", d.Score)
	dst = str(dst, "service", d.Service)
	dst = str(dst, "session", d.Session)
	dst = str(dst, "size", d.Size.String())
	dst = str(dst, "stream", d.Stream)
	dst = num(dst, "stream_revision", d.StreamRevision)
	dst = str(dst, "task", d.Task)
	dst = num(dst, "urgency", d.Urgency)
	return dst
}

// clean returns s with every byte that is not part of valid UTF-8, and every
// character XML 1.0 cannot hold, replaced by U+FFFD (one per byte or
// character). XML has no escape for those characters, so writing them
// would make the whole log unreadable; the replacement keeps it readable
// and shows where something was lost.
func clean(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < utf8.RuneSelf {
			i++ // the common case: printable ASCII
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isXMLChar(r, n) {
			return cleanFrom(s, i)
		}
		i += n
	}
	return s
}

// cleanFrom builds the cleaned string once clean has found the first
// character to replace at i.
func cleanFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isXMLChar(r, n) {
			b.WriteString(s[i : i+n])
		} else {
			b.WriteRune(utf8.RuneError)
		}
		i += n
	}
	return b.String()
}

// isXMLChar reports whether r, decoded from n bytes, is a character XML 1.0
// allows (its Char production). An invalid byte decodes as RuneError of
// width 1; surrogates never decode.
func isXMLChar(r rune, n int) bool {
	if r == utf8.RuneError {
		return n > 1 // a genuine U+FFFD
	}
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}
