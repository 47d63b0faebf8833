package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
)

// csvScanner splits RFC 4180 records into fields that are slices of its
// own buffer, valid until the next call to next: no string is made for a
// field, so a row costs no allocation. Quoted fields may hold the
// delimiter, "" for a quote, and line breaks; records end in LF or CRLF.
// A quote inside an unquoted field is taken literally.
type csvScanner struct {
	window
	delim byte

	line    int // physical line where the next record starts
	recLine int // line of the record just read
	fields  [][]byte
	quoted  []bool
	bad     string // why the record just read is malformed, or ""
}

func newCSVScanner(r io.Reader) *csvScanner {
	return &csvScanner{window: window{r: r, buf: make([]byte, 1<<20)}, line: 1}
}

// next reads the next non-blank record; false at the end of the input or
// on an error (see s.err).
func (s *csvScanner) next() bool {
	for {
		ok, blank := s.scan()
		if !ok {
			return false
		}
		if !blank {
			return true
		}
	}
}

// errMoreInput means a record runs past the buffered bytes.
var errMoreInput = errors.New("more input needed")

// scan reads one record, refilling the buffer until the record is whole.
func (s *csvScanner) scan() (ok, blank bool) {
	for {
		if s.start == s.end && s.eof {
			return false, false
		}
		n, lines, err := s.record(s.buf[s.start:s.end])
		if err == errMoreInput {
			if s.eof {
				s.err = fmt.Errorf("line %d: a quoted field is not closed before the end of the input", s.line)
				return false, false
			}
			s.fill()
			continue
		}
		s.start += n
		s.recLine = s.line
		s.line += lines
		s.unescape()
		return true, len(s.fields) == 1 && len(s.fields[0]) == 0 && !s.quoted[0]
	}
}

// record splits the record at the start of b into s.fields, returning the
// bytes it takes and the line breaks in it, or errMoreInput when b ends
// inside it before the end of the input.
func (s *csvScanner) record(b []byte) (n, lines int, err error) {
	s.fields, s.quoted, s.bad = s.fields[:0], s.quoted[:0], ""
	d := s.delim
	i := 0
	for {
		if i < len(b) && b[i] == '"' {
			// Quoted field: up to the quote not followed by another.
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return 0, 0, errMoreInput
				}
				j += k
				if j+1 < len(b) && b[j+1] == '"' {
					j += 2
					continue
				}
				if j+1 == len(b) && !s.eof {
					return 0, 0, errMoreInput
				}
				break
			}
			lines += bytes.Count(b[i+1:j], nl)
			s.fields = append(s.fields, b[i+1:j])
			s.quoted = append(s.quoted, true)
			i = j + 1
			if i+1 >= len(b) && !s.eof { // the byte after the quote, and a CR's LF
				return 0, 0, errMoreInput
			}
			if i < len(b) && b[i] == '\r' && (i+1 == len(b) || b[i+1] == '\n') {
				if i+1 == len(b) {
					return i + 1, lines, nil
				}
				return i + 2, lines + 1, nil
			}
			if i < len(b) && b[i] != d && b[i] != '\n' {
				if s.bad == "" {
					s.bad = fmt.Sprintf("text after the closing quote of field %d", len(s.fields))
				}
				for i < len(b) && b[i] != d && b[i] != '\n' {
					i++
				}
			}
		} else {
			j := i
			for j < len(b) && b[j] != d && b[j] != '\n' {
				j++
			}
			f := b[i:j]
			if (j == len(b) || b[j] == '\n') && len(f) > 0 && f[len(f)-1] == '\r' {
				f = f[:len(f)-1]
			}
			s.fields = append(s.fields, f)
			s.quoted = append(s.quoted, false)
			i = j
		}
		switch {
		case i == len(b):
			if !s.eof {
				return 0, 0, errMoreInput
			}
			return i, lines, nil
		case b[i] == d:
			i++
		case b[i] == '\n':
			return i + 1, lines + 1, nil
		}
	}
}

var nl = []byte{'\n'}

// unescape turns "" into " in the quoted fields, in place: the field only
// gets shorter, and the record was complete before anything changed.
func (s *csvScanner) unescape() {
	for k, f := range s.fields {
		if !s.quoted[k] || bytes.IndexByte(f, '"') < 0 {
			continue
		}
		w := 0
		for r := 0; r < len(f); r++ {
			f[w] = f[r]
			w++
			if f[r] == '"' && r+1 < len(f) && f[r+1] == '"' {
				r++
			}
		}
		s.fields[k] = f[:w]
	}
}

// detectDelimiter picks among , ; TAB | the delimiter that splits the first
// lines (outside quotes) into the same number of fields, more than one;
// among several, the one giving the most fields; when none is consistent,
// the one that splits the header most.
func detectDelimiter(head []byte, eof bool) byte {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	cands := [...]byte{',', ';', '\t', '|'}
	var counts [4][]int
	cur := [4]int{}
	inQuote := false
	complete := 0
	for i := 0; i < len(head) && complete < 50; i++ {
		c := head[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			for k := range cands {
				counts[k] = append(counts[k], cur[k]+1)
				cur[k] = 0
			}
			complete++
		default:
			for k, d := range cands {
				if c == d {
					cur[k]++
				}
			}
		}
	}
	if eof && !inQuote && cur != [4]int{} {
		for k := range cands {
			counts[k] = append(counts[k], cur[k]+1)
		}
	}
	best, bestN := -1, 1
	for k := range cands {
		if len(counts[k]) == 0 {
			continue
		}
		n := counts[k][0]
		consistent := true
		for _, m := range counts[k] {
			if m != n {
				consistent = false
			}
		}
		if consistent && n > bestN {
			best, bestN = k, n
		}
	}
	if best >= 0 {
		return cands[best]
	}
	for k := range cands {
		if len(counts[k]) > 0 && counts[k][0] > bestN {
			best, bestN = k, counts[k][0]
		}
	}
	if best >= 0 {
		return cands[best]
	}
	return ','
}

// columnNames lists, per role, the header names recognised without a flag,
// case-insensitively, best first.
var columnNames = []struct {
	role, flag string
	names      []string
}{
	{RoleCase, "--case", []string{"case:concept:name", "case_id", "case id", "caseid", "case", "number", "incident id", "ticket id"}},
	{RoleActivity, "--activity", []string{"concept:name", "activity", "activity name", "event", "incident_state", "state", "status"}},
	{RoleTimestamp, "--timestamp", []string{"time:timestamp", "complete timestamp", "timestamp", "end timestamp", "time", "date", "sys_updated_on"}},
	{RoleStart, "--start-timestamp", []string{"start timestamp", "start_timestamp", "start time"}},
	{RoleResource, "--resource", []string{"org:resource", "resource", "user", "assignee", "assigned_to", "agent"}},
	{RoleLifecycle, "--lifecycle", []string{"lifecycle:transition", "lifecycle", "transition"}},
}

// csvLayout is where each role sits in a row.
type csvLayout struct {
	ncols                        int
	caseCol, act, ts, start, res int   // field index, -1 for an absent start or resource
	attrs                        []int // field index of each builder event column
}

// mapColumns finds the role columns in the header and makes the others
// event columns of b.
func mapColumns(header []string, opt ReadOptions, b *Builder, w *warner) (*csvLayout, error) {
	// Repeated names (Helpdesk has Variant twice) get " (2)", " (3)"….
	seen := map[string]int{}
	for i, h := range header {
		key := strings.ToLower(h)
		seen[key]++
		if n := seen[key]; n > 1 {
			for {
				name := fmt.Sprintf("%s (%d)", h, n)
				if _, taken := seen[strings.ToLower(name)]; !taken {
					header[i] = name
					seen[strings.ToLower(name)] = 1
					break
				}
				n++
			}
			w.note(1, fmt.Sprintf("column %d repeats the name %q; it is read as %q", i+1, h, header[i]))
		}
	}
	quoted := func() string {
		q := make([]string, len(header))
		for i, h := range header {
			q[i] = strconv.Quote(h)
		}
		return strings.Join(q, ", ")
	}
	find := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				return i
			}
		}
		return -1
	}
	flags := map[string]string{RoleCase: opt.Case, RoleActivity: opt.Activity, RoleTimestamp: opt.Timestamp,
		RoleStart: opt.StartTimestamp, RoleResource: opt.Resource, RoleLifecycle: opt.Lifecycle}
	used := make([]bool, len(header))
	at := map[string]int{}
	// Flags first, so that detection never takes a column a flag names.
	for _, r := range columnNames {
		if name := flags[r.role]; name != "" {
			i := find(name)
			if i < 0 {
				return nil, fmt.Errorf("%s %q: no such column; the header has %s", r.flag, name, quoted())
			}
			if used[i] {
				return nil, fmt.Errorf("%s %q: the column is already used for another role", r.flag, name)
			}
			used[i], at[r.role] = true, i
		}
	}
	for _, r := range columnNames {
		if flags[r.role] != "" {
			continue
		}
	names:
		for _, name := range r.names {
			for i, h := range header {
				if !used[i] && strings.EqualFold(strings.TrimSpace(h), name) {
					used[i], at[r.role] = true, i
					break names
				}
			}
		}
	}
	for _, r := range columnNames[:3] {
		if _, ok := at[r.role]; !ok {
			return nil, fmt.Errorf("no %s column found in the header (%s); pass %s COLUMN", r.role, quoted(), r.flag)
		}
	}
	lay := &csvLayout{ncols: len(header), start: -1, res: -1}
	lay.caseCol, lay.act, lay.ts = at[RoleCase], at[RoleActivity], at[RoleTimestamp]
	if i, ok := at[RoleStart]; ok {
		lay.start = i
	}
	if i, ok := at[RoleResource]; ok {
		lay.res = i
	}
	for _, r := range columnNames {
		if i, ok := at[r.role]; ok {
			w.res.Columns[r.role] = header[i]
		}
	}
	lc, hasLC := at[RoleLifecycle]
	for i, h := range header {
		if used[i] && !(hasLC && i == lc) {
			continue
		}
		col := b.EventColumn(h)
		lay.attrs = append(lay.attrs, i)
		if hasLC && i == lc {
			b.LifecycleColumn(col)
		}
	}
	if opt.OrderBy != "" {
		i := find(opt.OrderBy)
		if i < 0 {
			return nil, fmt.Errorf("--order-by %q: no such column; the header has %s", opt.OrderBy, quoted())
		}
		if used[i] {
			return nil, fmt.Errorf("--order-by %q: the column is the log's %s; name another column", opt.OrderBy, roleOf(at, i))
		}
		b.OrderBy(b.EventColumn(header[i]))
	}
	return lay, nil
}

func roleOf(at map[string]int, i int) string {
	for r, j := range at {
		if j == i {
			return r
		}
	}
	return ""
}

// internCache sits in front of Builder.Intern for one column: a
// direct-mapped table of recently seen values, so a repeated value costs a
// hash and one comparison instead of a map lookup that misses the CPU cache.
// For the case column it remembers the case index too.
type internCache struct {
	b     *Builder
	seed  maphash.Seed
	str   []uint32 // interned string, 0 for an empty slot
	cases []uint32 // case index + 1, 0 when not known
}

// newInternCache returns a cache of 1<<bits slots.
func newInternCache(b *Builder, seed maphash.Seed, bits int) *internCache {
	return &internCache{b: b, seed: seed, str: make([]uint32, 1<<bits)}
}

func (c *internCache) slot(v []byte) uint32 {
	return uint32(maphash.Bytes(c.seed, v)) & uint32(len(c.str)-1)
}

func (c *internCache) intern(v []byte) uint32 {
	if len(v) == 0 {
		return 0
	}
	h := c.slot(v)
	if i := c.str[h]; i != 0 && c.b.strs[i] == string(v) {
		return i
	}
	i := c.b.Intern(v)
	c.str[h] = i
	return i
}

// caseOf returns the case of the id v.
func (c *internCache) caseOf(v []byte) uint32 {
	if c.cases == nil {
		c.cases = make([]uint32, len(c.str))
	}
	h := c.slot(v)
	if i := c.str[h]; i != 0 && c.cases[h] != 0 && c.b.strs[i] == string(v) {
		return c.cases[h] - 1
	}
	i := c.b.Intern(v)
	k := c.b.Case(i)
	c.str[h], c.cases[h] = i, k+1
	return k
}

// grow makes room for about n events, so that reading a large file does
// not copy its columns again and again.
func (b *Builder) grow(n int) {
	if n <= cap(b.activity) {
		return
	}
	b.caseOf = append(make([]uint32, 0, n), b.caseOf...)
	b.activity = append(make([]uint32, 0, n), b.activity...)
	b.resource = append(make([]uint32, 0, n), b.resource...)
	b.time = append(make([]int64, 0, n), b.time...)
}

// ReadCSV reads an event log in CSV (gzip-compressed or not): a header,
// then a row per event. See ReadOptions for how columns and timestamps are
// found. A malformed row (wrong number of fields, empty case or activity,
// a value that is not a time) is skipped with a warning, or is an error
// under Strict. Nothing is returned with an error.
func ReadCSV(r io.Reader, opt ReadOptions) (*ReadResult, error) {
	in, gz, err := decompress(withProgress(r, opt))
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	var size int64 = -1
	if sz, ok := r.(interface{ Size() int64 }); ok && !gz { // bytes.Reader, strings.Reader
		size = sz.Size()
	}
	res, err := readCSVLog(in, opt, size)
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	return res, nil
}

// readCSVLog reads a CSV log; size is the input's length when known, to
// size the columns from the first rows' average length, else -1.
func readCSVLog(in io.Reader, opt ReadOptions, size int64) (*ReadResult, error) {
	res := &ReadResult{Columns: map[string]string{}}
	w := &warner{strict: opt.Strict, res: res}
	var plan *strftime
	if opt.TimeFormat != "" {
		var err error
		if plan, err = compileStrftime(opt.TimeFormat); err != nil {
			return nil, err
		}
	}
	s := newCSVScanner(in)
	s.fill()
	if s.err != nil {
		return nil, s.err
	}
	for s.end < 64<<10 && !s.eof { // enough lines to see the delimiter
		s.fill()
	}
	s.delim = detectDelimiter(s.buf[s.start:s.end], s.eof)
	if bytes.HasPrefix(s.buf[s.start:s.end], []byte("\xef\xbb\xbf")) {
		s.start += 3
	}
	if !s.next() {
		if s.err != nil {
			return nil, s.err
		}
		return nil, errors.New("the input is empty: no header")
	}
	header := make([]string, len(s.fields))
	for i, f := range s.fields {
		header[i] = string(f)
	}
	b := NewBuilder()
	b.PromoteConstant = true
	if rows := bytes.Count(s.buf[s.start:s.end], nl); size > 0 && rows > 1 && !s.eof {
		b.grow(int(size/int64(s.end-s.start)*int64(rows)) * 21 / 20)
	}
	lay, err := mapColumns(header, opt, b, w)
	if err != nil {
		return nil, err
	}
	ts := &timeColumn{name: header[lay.ts], loc: opt.TZ, plan: plan}
	var st *timeColumn
	if lay.start >= 0 {
		st = &timeColumn{name: header[lay.start], loc: opt.TZ, plan: plan}
	}
	attrs := make([]uint32, len(lay.attrs))
	seed := maphash.MakeSeed()
	// The case cache holds the cases open at a time in a log sorted by
	// time; the others a column's few distinct values.
	caseCache, actCache, resCache := newInternCache(b, seed, 16), newInternCache(b, seed, 10), newInternCache(b, seed, 10)
	attrCache := make([]*internCache, len(lay.attrs))
	for k := range attrCache {
		attrCache[k] = newInternCache(b, seed, 10)
	}
	for s.next() {
		line, f := s.recLine, s.fields
		if s.bad != "" {
			if err := w.skip(line, s.bad, "row"); err != nil {
				return nil, err
			}
			continue
		}
		if len(f) != lay.ncols {
			if err := w.skip(line, fmt.Sprintf("%d fields, want %d as in the header", len(f), lay.ncols), "row"); err != nil {
				return nil, err
			}
			continue
		}
		caseID, act := f[lay.caseCol], f[lay.act]
		if len(caseID) == 0 || len(act) == 0 {
			col := header[lay.caseCol]
			if len(caseID) != 0 {
				col = header[lay.act]
			}
			if err := w.skip(line, fmt.Sprintf("column %q is empty", col), "row"); err != nil {
				return nil, err
			}
			continue
		}
		t, tp, msg := ts.parse(f[lay.ts], line)
		if msg != "" {
			if err := w.skip(line, msg, "row"); err != nil {
				return nil, err
			}
			continue
		}
		start, sp := int64(NoTime), uint32(0)
		if st != nil && len(trimSpace(f[lay.start])) > 0 {
			start, sp, msg = st.parse(f[lay.start], line)
			if msg != "" {
				if err := w.skip(line, msg, "row"); err != nil {
					return nil, err
				}
				continue
			}
		}
		var res uint32
		if lay.res >= 0 {
			res = resCache.intern(f[lay.res])
		}
		for k, i := range lay.attrs {
			attrs[k] = attrCache[k].intern(f[i])
		}
		b.Add(Event{Case: caseCache.caseOf(caseID), Activity: actCache.intern(act), Resource: res, Time: t, Start: start, Attrs: attrs})
		n := b.Events() - 1
		ts.keep(n, tp)
		if st != nil {
			st.keep(n, sp)
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	if err := ts.resolve(b.time); err != nil {
		return nil, err
	}
	if st != nil {
		if err := st.resolve(b.start); err != nil {
			return nil, err
		}
	}
	w.finish(b)
	return res, nil
}
