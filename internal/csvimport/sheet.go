package csvimport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/svcflow/svcflow"
)

// Error is one problem in a file. Line is 1-based with the header on line 1;
// Column is the lower-cased header name, or empty when the problem is with
// a whole line or the file.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// String returns the error as FILE:LINE: column: message, the form editors
// and terminals turn into a link to the line.
func (e Error) String() string {
	s := fmt.Sprintf("%s:%d: ", e.File, e.Line)
	if e.Column != "" {
		s += e.Column + ": "
	}
	return s + e.Message
}

// Error makes an Error usable where an error is expected.
func (e Error) Error() string { return e.String() }

// attrPrefix starts the columns that hold CI attributes.
const attrPrefix = "attr."

// layout is the columns one kind of file may have.
type layout struct {
	kind               string // people, teams, services or cis, for messages
	required, optional []string
	attributes         bool // attr.KEY columns are allowed
}

func (l layout) known() []string {
	known := append(slices.Clone(l.required), l.optional...)
	if l.attributes {
		known = append(known, attrPrefix+"KEY")
	}
	return known
}

// sheet reads one file and collects its errors.
type sheet struct {
	file     string
	layout   layout
	errs     []Error
	names    []string       // the column of each field; "" when unnamed or refused
	unnamed  []bool         // the header leaves the field's name empty
	index    map[string]int // column → field
	headerOK bool
}

// row is one record of a sheet. failed is set by any error on the row, so
// the kind's parser leaves the record out.
type row struct {
	s      *sheet
	fields []string
	lines  []int // the line each field starts on
	line   int
	failed bool
}

// parse reads the file and calls each for every row that is neither blank
// nor malformed. It returns the errors found, sorted by line, and whether
// the header was sound; callers return records only when it was, because a
// row cannot be complete under a header missing a required column.
func parse(file string, in io.Reader, l layout, each func(*row)) ([]Error, bool) {
	s := &sheet{file: file, layout: l, index: map[string]int{}}
	src := &counter{r: in}
	body, bom := skipBOM(src)
	r := csv.NewReader(body)
	// A quoted value that runs to the end of the file is reported where its
	// record starts, not where the reader gave up: it is the quote error
	// that leaves every byte of the input consumed.
	atEnd := func() bool { return src.eof && r.InputOffset() == src.n-int64(bom) }
	r.LazyQuotes = false
	r.TrimLeadingSpace = true
	// The field count is checked against the header once it is read; had
	// the reader taken it from the first record itself, a malformed header
	// would set it.
	r.FieldsPerRecord = -1

	var header []string
	for header == nil {
		fields, err := r.Read()
		switch {
		case err == io.EOF:
			s.add(1, "", "empty file; expected a header line naming the columns, such as %s", strings.Join(l.required, ","))
			return s.errs, false
		case err != nil:
			s.readError(err, len(fields), atEnd())
			return s.errs, false
		case !blank(fields):
			header = fields
		}
	}
	s.readHeader(header, r)
	r.FieldsPerRecord = len(header)

	for {
		fields, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			s.readError(err, 0, false) // the input itself failed: stop rather than retry it forever
			break
		}
		if err != nil && pe.Err != csv.ErrFieldCount {
			s.readError(err, len(fields), atEnd())
			continue
		}
		if blank(fields) {
			continue
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			s.add(line, "", "%d values; the header has %d columns (put a value holding a comma in double quotes)", len(fields), len(header))
			continue
		}
		rw := &row{s: s, fields: fields, line: line, lines: make([]int, len(fields))}
		for i := range fields {
			rw.lines[i], _ = r.FieldPos(i)
		}
		if rw.checkText() {
			each(rw)
		}
	}
	slices.SortStableFunc(s.errs, func(a, b Error) int { return a.Line - b.Line })
	return s.errs, s.headerOK
}

// skipBOM drops a UTF-8 byte order mark, which spreadsheets write at the
// start of "CSV UTF-8" files and which would otherwise stick to the first
// column's name. It returns the rest and the length of the mark dropped.
func skipBOM(in io.Reader) (io.Reader, int) {
	const bom = "\xef\xbb\xbf"
	br := bufio.NewReader(in)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		n, _ := br.Discard(len(bom))
		return br, n
	}
	return br, 0
}

// counter counts the bytes read from r and notes its end.
type counter struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

func blank(fields []string) bool {
	return !slices.ContainsFunc(fields, func(f string) bool { return strings.TrimSpace(f) != "" })
}

func (s *sheet) add(line int, column, format string, args ...any) {
	s.errs = append(s.errs, Error{File: s.file, Line: max(line, 1), Column: column, Message: fmt.Sprintf(format, args...)})
}

// readError reports an error of the CSV reader in our words: its own
// messages count byte columns, which nobody editing in a spreadsheet sees.
// The reader returns the fields before the one it stopped in, so done
// tells which column that is; atEnd says the input ran out.
func (s *sheet) readError(err error, done int, atEnd bool) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		s.add(1, "", "cannot read the file: %v", err)
		return
	}
	column := ""
	if done < len(s.names) {
		column = s.names[done]
	}
	switch pe.Err {
	case csv.ErrBareQuote:
		s.add(pe.Line, column, `a " inside a value that does not start with one; put the whole value in double quotes and double each quote inside it, like "say ""hi"""`)
	case csv.ErrQuote:
		if atEnd {
			// Either the value on this line is never closed, or its quotes
			// are wrong on the last line: the reader cannot tell which,
			// and the record's first line is right for both.
			s.add(pe.StartLine, column, `a quoted value is not closed properly, or never closed and so runs to the end of the file; end it with " followed by a comma or the end of the line, and double each quote inside it`)
			return
		}
		s.add(pe.Line, column, `a quoted value is not closed properly; end it with " followed by a comma or the end of the line, and double each quote inside it`)
	default:
		s.add(pe.Line, column, "%v", pe.Err)
	}
}

// readHeader maps the header names to fields and reports unknown,
// duplicate and missing columns. Names are case-insensitive because
// spreadsheets invite "Email" as much as "email".
func (s *sheet) readHeader(header []string, r *csv.Reader) {
	before := len(s.errs)
	s.names = make([]string, len(header))
	s.unnamed = make([]bool, len(header))
	known := s.layout.known()
	for i, h := range header {
		line, _ := r.FieldPos(i)
		h = strings.TrimSpace(h)
		name := strings.ToLower(h)
		switch {
		case !utf8.ValidString(h):
			s.add(line, "", "column %d: the name is not valid UTF-8; save the file as UTF-8", i+1)
			continue
		case name == "":
			s.unnamed[i] = true
			continue
		case s.layout.attributes && strings.HasPrefix(name, attrPrefix):
			if key := name[len(attrPrefix):]; !svcflow.IsSnake(key) {
				s.add(line, h, "attribute key %q is not snake_case; expected lower-case words joined by underscores, like attr.ip_address", key)
				continue
			}
		case !slices.Contains(known, name):
			s.add(line, h, "unknown column; expected %s%s", strings.Join(known, ", "), hint(name, known))
			continue
		}
		if j, dup := s.index[name]; dup {
			s.add(line, name, "duplicate column; column %d has it already", j+1)
			continue
		}
		s.index[name] = i
		s.names[i] = name
	}
	headerLine, _ := r.FieldPos(0)
	for _, c := range s.layout.required {
		if _, ok := s.index[c]; !ok {
			s.add(headerLine, c, "missing column; a %s file needs %s", s.layout.kind, strings.Join(s.layout.required, ", "))
		}
	}
	s.headerOK = len(s.errs) == before
}

// checkText reports values that are not UTF-8 and values in columns the
// header leaves unnamed; either makes the rest of the row meaningless to
// check.
func (rw *row) checkText() bool {
	ok := true
	for i, f := range rw.fields {
		switch {
		case !utf8.ValidString(f):
			rw.s.add(rw.lines[i], rw.s.names[i], "the value is not valid UTF-8; save the file as UTF-8")
			ok = false
		case rw.s.unnamed[i] && strings.TrimSpace(f) != "":
			rw.s.add(rw.lines[i], "", "value %q in column %d, which the header does not name", strings.TrimSpace(f), i+1)
			ok = false
		}
	}
	rw.failed = !ok
	return ok
}

// has reports whether the file has the column.
func (rw *row) has(column string) bool {
	_, ok := rw.s.index[column]
	return ok
}

// value returns the trimmed value of a column, "" when the file lacks it.
func (rw *row) value(column string) string {
	if i, ok := rw.s.index[column]; ok {
		return strings.TrimSpace(rw.fields[i])
	}
	return ""
}

// lineOf returns the line a column's value starts on, or the row's line.
func (rw *row) lineOf(column string) int {
	if i, ok := rw.s.index[column]; ok {
		return rw.lines[i]
	}
	return rw.line
}

// errorf reports a problem with a column of the row. A required column
// missing from the header was reported once there, so its empty values are
// not reported again on every row.
func (rw *row) errorf(column, format string, args ...any) {
	rw.failed = true
	if !rw.has(column) && slices.Contains(rw.s.layout.required, column) {
		return
	}
	rw.s.add(rw.lineOf(column), column, format, args...)
}

// required returns a column's value, reporting it when empty.
func (rw *row) required(column string) string {
	v := rw.value(column)
	if v == "" {
		rw.errorf(column, "missing %s", strings.ReplaceAll(column, "_", " "))
	}
	return v
}

// list splits a semicolon-separated value, dropping empty items so a
// trailing semicolon is harmless.
func (rw *row) list(column string) []string {
	var out []string
	for item := range strings.SplitSeq(rw.value(column), ";") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// id returns a column's value checked as an id ("" stays "").
func (rw *row) id(column, example string) string {
	v := rw.value(column)
	if v != "" && !svcflow.IsKebab(v) {
		rw.errorf(column, "%s", notAnID(v, example))
	}
	return v
}

// ids returns a list of ids, each checked and listed once.
func (rw *row) ids(column, example string) []string {
	var out []string
	for _, v := range rw.list(column) {
		switch {
		case !svcflow.IsKebab(v):
			rw.errorf(column, "%s", notAnID(v, example))
		case slices.Contains(out, v):
			rw.errorf(column, "%q is listed twice", v)
		default:
			out = append(out, v)
		}
	}
	return out
}

// earlier returns the line of an earlier row with the same key, or 0 after
// recording the key for the rows to come.
func (rw *row) earlier(seen map[string]int, key, column string) int {
	if line, dup := seen[key]; dup {
		return line
	}
	seen[key] = rw.lineOf(column)
	return 0
}

func notAnID(v, example string) string {
	if k := kebabCase(v); k != "" {
		example = k
	}
	return fmt.Sprintf("%q is not a valid id; expected lower-case words joined by hyphens, like %q", v, example)
}

// kebabCase turns s into an id (see svcflow.Slug).
func kebabCase(s string) string { return svcflow.Slug(s, "-") }

// enum returns a column's value checked against the options, or def when
// the value is empty.
func (rw *row) enum(column, def string, options []string) string {
	v := rw.value(column)
	if v == "" {
		return def
	}
	if !slices.Contains(options, v) {
		rw.errorf(column, "unknown %s %q; expected %s%s", strings.ReplaceAll(column, "_", " "), v, orList(options), hint(v, options))
	}
	return v
}

// orList joins options as "a, b or c".
func orList(options []string) string {
	if len(options) < 2 {
		return strings.Join(options, "")
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}
