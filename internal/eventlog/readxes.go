package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The XES keys the reader gives a role.
const (
	keyName       = "concept:name"
	keyTime       = "time:timestamp"
	keyResource   = "org:resource"
	keyTransition = "lifecycle:transition"
	// keyStart is the start of an event's interval, as PM4Py names it in
	// interval logs; WriteLogXES writes Log.Start under it.
	keyStart = "start_timestamp"
)

// isAttrElement reports whether an element is an XES attribute.
func isAttrElement(n []byte) bool {
	switch string(n) {
	case "string", "date", "int", "float", "boolean", "id", "list", "container":
		return true
	}
	return false
}

// pendingEvent is an event of the trace being read, kept until the trace ends
// (its case id may come after its events).
type pendingEvent struct {
	line     int
	act, res uint32
	time     int64
	start    int64
	hasTime  bool
	attrs    [2]int // its range in xesReader.pairs
	skip     bool   // already warned about
}

type colValue struct {
	col int
	val uint32
}

type xesReader struct {
	opt ReadOptions
	b   *Builder
	w   *warner
	s   *xmlScanner

	traces    int
	traceLine int
	caseID    uint32
	hasCaseID bool
	caseAttrs []colValue
	events    []pendingEvent
	pairs     []colValue
	ev        *pendingEvent
	dense     []uint32

	eventCols map[string]int // key → builder column, so that a key's bytes
	caseCols  map[string]int // become a string only once
	lifecycle int            // event column of lifecycle:transition, or -1
	resource  bool
	start     bool

	// The keys of the roles: the standard ones unless ReadOptions name
	// others (--activity lifecycle:transition reads a VINST-style log by
	// its sub-statuses).
	keyCase, keyAct, keyTime, keyRes, keyLC, keyStart string
}

// keys sets the role keys from the options.
func (x *xesReader) keys() {
	or := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	o := x.opt
	x.keyCase, x.keyAct, x.keyTime = or(o.Case, keyName), or(o.Activity, keyName), or(o.Timestamp, keyTime)
	x.keyRes, x.keyLC, x.keyStart = or(o.Resource, keyResource), or(o.Lifecycle, keyTransition), or(o.StartTimestamp, keyStart)
	if x.keyLC == x.keyAct {
		x.keyLC = "" // the activity is not also a lifecycle
	}
}

// ReadXES reads an event log in XES (IEEE 1849), gzip-compressed or not:
// traces are cases (concept:name; their other attributes are case
// attributes), events have concept:name (activity), time:timestamp,
// org:resource and lifecycle:transition, and every other event attribute
// becomes an event column named by its key, with its lexical value.
// Log-level attributes, extensions, globals, classifiers and nested
// attributes are read past. An event without a time or name is skipped
// with a warning (an error under Strict); malformed XML is an error naming
// the line. Nothing is returned with an error.
func ReadXES(r io.Reader, opt ReadOptions) (*ReadResult, error) {
	in, _, err := decompress(withProgress(r, opt))
	if err != nil {
		return nil, fmt.Errorf("read xes: %w", err)
	}
	res, err := readXESLog(in, opt)
	if err != nil {
		return nil, fmt.Errorf("read xes: %w", err)
	}
	return res, nil
}

// readXESLog reads XES from a decompressed stream.
func readXESLog(in io.Reader, opt ReadOptions) (*ReadResult, error) {
	res := &ReadResult{Columns: map[string]string{}}
	x := &xesReader{opt: opt, b: NewBuilder(), w: &warner{strict: opt.Strict, res: res}, s: newXMLScanner(in), lifecycle: -1,
		eventCols: map[string]int{}, caseCols: map[string]int{}}
	x.keys()
	if err := x.read(); err != nil {
		return nil, err
	}
	res.Columns[RoleCase] = x.keyCase
	res.Columns[RoleActivity] = x.keyAct
	res.Columns[RoleTimestamp] = x.keyTime
	if x.resource {
		res.Columns[RoleResource] = x.keyRes
	}
	if x.lifecycle >= 0 {
		res.Columns[RoleLifecycle] = x.keyLC
	}
	if x.start {
		res.Columns[RoleStart] = x.keyStart
	}
	x.w.finish(x.b)
	return res, nil
}

func (x *xesReader) read() error {
	s := x.s
	s.fill()
	if bytes.HasPrefix(s.buf[s.start:s.end], []byte("\xef\xbb\xbf")) {
		s.start += 3
	}
	for s.next() {
		d := s.depth()
		if s.closing {
			switch {
			case d == 2 && x.ev != nil && string(s.name) == "event":
				if err := x.endEvent(); err != nil {
					return err
				}
			case d == 1 && x.traceLine != 0 && string(s.name) == "trace":
				if err := x.endTrace(); err != nil {
					return err
				}
			}
			continue
		}
		switch {
		case d == 1:
			if string(s.name) != "log" {
				return fmt.Errorf("line %d: the root element is <%s>, not an XES <log>", s.tokLine, s.name)
			}
		case d == 2 && string(s.name) == "trace":
			x.traces++
			x.traceLine, x.hasCaseID = s.tokLine, false
			x.caseAttrs, x.events, x.pairs = x.caseAttrs[:0], x.events[:0], x.pairs[:0]
		case d == 3 && x.traceLine != 0 && string(s.name) == "event":
			x.events = append(x.events, pendingEvent{line: s.tokLine, start: NoTime})
			x.ev = &x.events[len(x.events)-1]
			x.ev.attrs = [2]int{len(x.pairs), len(x.pairs)}
		case d == 3 && x.traceLine != 0 && isAttrElement(s.name):
			x.traceAttr()
		case d == 4 && x.ev != nil && isAttrElement(s.name):
			if err := x.eventAttr(); err != nil {
				return err
			}
		}
	}
	if s.err != nil {
		return s.err
	}
	return nil
}

// keyValue returns the key and value attributes of an XES attribute.
func (x *xesReader) keyValue() (key, value []byte, ok bool) {
	hasValue := false
	for _, a := range x.s.attrs {
		switch string(a.name) {
		case "key":
			key = a.value
		case "value":
			value, hasValue = a.value, true
		}
	}
	return key, value, key != nil && hasValue
}

func (x *xesReader) traceAttr() {
	key, value, ok := x.keyValue()
	if !ok {
		return // a list or container, or no key
	}
	if string(key) == x.keyCase {
		x.caseID, x.hasCaseID = x.b.Intern(value), true
		return
	}
	col, ok := x.caseCols[string(key)]
	if !ok {
		col = x.b.CaseColumn(string(key))
		x.caseCols[string(key)] = col
	}
	x.caseAttrs = append(x.caseAttrs, colValue{col, x.b.Intern(value)})
}

func (x *xesReader) eventAttr() error {
	key, value, ok := x.keyValue()
	if !ok {
		return nil
	}
	e := x.ev
	switch string(key) {
	case x.keyAct:
		e.act = x.b.Intern(value)
		return nil
	case x.keyRes:
		e.res = x.b.Intern(value)
		x.resource = true
		return nil
	case x.keyTime:
		t, why := parseXSDateTime(value, x.opt.TZ)
		if why != "" {
			e.skip = true
			return x.w.skip(x.s.tokLine, fmt.Sprintf("%s: cannot parse %q as a time (%s)", x.keyTime, value, why), "event")
		}
		e.time, e.hasTime = t, true
		return nil
	case x.keyStart:
		if string(x.s.name) == "date" {
			t, why := parseXSDateTime(value, x.opt.TZ)
			if why != "" {
				e.skip = true
				return x.w.skip(x.s.tokLine, fmt.Sprintf("%s: cannot parse %q as a time (%s)", x.keyStart, value, why), "event")
			}
			e.start = t
			x.start = true
			return nil
		}
	}
	col, ok := x.eventCols[string(key)]
	if !ok {
		col = x.b.EventColumn(string(key))
		x.eventCols[string(key)] = col
		if string(key) == x.keyLC {
			x.lifecycle = col
			x.b.LifecycleColumn(col)
		}
	}
	x.pairs = append(x.pairs, colValue{col, x.b.Intern(value)})
	e.attrs[1] = len(x.pairs)
	return nil
}

// endEvent checks the event just read; a bad one is dropped.
func (x *xesReader) endEvent() error {
	e := x.ev
	x.ev = nil
	var why string
	switch {
	case e.skip:
		x.events = x.events[:len(x.events)-1]
		return nil
	case e.act == 0:
		why = "event without " + x.keyAct
	case !e.hasTime:
		why = "event without " + x.keyTime
	}
	if why == "" {
		return nil
	}
	x.events = x.events[:len(x.events)-1]
	if err := x.w.skip(e.line, why, "event"); err != nil {
		return err
	}
	return nil
}

func (x *xesReader) endTrace() error {
	line := x.traceLine
	x.traceLine = 0
	if !x.hasCaseID {
		x.caseID = x.b.InternString(fmt.Sprintf("trace %d", x.traces))
		x.w.note(line, fmt.Sprintf("trace without %s; named %q", x.keyCase, x.b.Str(x.caseID)))
	}
	if len(x.events) == 0 {
		x.w.note(line, fmt.Sprintf("trace %q has no events; left out", x.b.Str(x.caseID)))
		return nil
	}
	c := x.b.Case(x.caseID)
	for _, a := range x.caseAttrs {
		x.b.SetCaseAttr(c, a.col, a.val)
	}
	for i := range x.events {
		e := &x.events[i]
		x.dense = x.dense[:0]
		for range x.b.eventCols {
			x.dense = append(x.dense, 0)
		}
		for _, p := range x.pairs[e.attrs[0]:e.attrs[1]] {
			x.dense[p.col] = p.val
		}
		x.b.Add(Event{Case: c, Activity: e.act, Resource: e.res, Time: e.time, Start: e.start, Attrs: x.dense})
	}
	return nil
}

// xmlScanner is the XML tokenizer the XES reader streams through. It
// exists because encoding/xml makes strings of every name and value: on
// the BPIC 2013 log (40 MB of XML) its RawToken alone takes about a second,
// while this scanner hands out slices of its buffer and allocates nothing
// per element. It checks what a log needs checked: tags that match and
// close, quoted attribute values, the predefined and numeric character
// references; comments, processing instructions, CDATA, a DOCTYPE and text
// are skipped. Names are given without their namespace prefix (XES tools
// use the default namespace, or none).
type xmlScanner struct {
	window
	line int // line at buf[start]

	// The token just read: a start tag (self-closing or not) or an end tag.
	closing bool
	self    bool
	name    []byte
	attrs   []xmlAttr
	tokLine int

	arena []byte // names of the open elements
	open  []xmlFrame
	root  bool // the root element has been seen
}

type xmlAttr struct{ name, value []byte }

type xmlFrame struct{ from, line int }

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{window: window{r: r, buf: make([]byte, 1<<18)}, line: 1}
}

// depth is the number of open elements, the current one included.
func (s *xmlScanner) depth() int { return len(s.open) }

// next reads the next tag; false at the end of the document or on an error
// (s.err). After a self-closing tag's start, the next call reports its end.
func (s *xmlScanner) next() bool {
	if s.err != nil {
		return false
	}
	if s.self && !s.closing { // the end of <x/>
		s.closing = true
		s.pop()
		return true
	}
	for {
		b := s.buf[s.start:s.end]
		k := bytes.IndexByte(b, '<')
		if k < 0 {
			if len(s.open) == 0 && len(bytes.TrimSpace(b)) > 0 {
				return s.fail(s.line, "text outside the root element")
			}
			s.line += bytes.Count(b, nl)
			s.start = s.end
			if s.eof {
				return s.atEOF()
			}
			s.fill()
			continue
		}
		if len(s.open) == 0 && len(bytes.TrimSpace(b[:k])) > 0 {
			return s.fail(s.line, "text outside the root element")
		}
		s.line += bytes.Count(b[:k], nl)
		s.start += k
		n, tag, err := s.markup(s.buf[s.start:s.end])
		if err == errMoreInput {
			if s.eof {
				return s.fail(s.line, "unexpected end of input inside markup")
			}
			s.fill()
			continue
		}
		if err != nil {
			return s.fail(s.line, err.Error())
		}
		s.tokLine = s.line
		s.line += bytes.Count(s.buf[s.start:s.start+n], nl)
		s.start += n
		if !tag {
			continue
		}
		if s.closing {
			if len(s.open) == 0 {
				return s.fail(s.tokLine, fmt.Sprintf("</%s> closes no element", s.name))
			}
			top := s.open[len(s.open)-1]
			if open := s.arena[top.from:]; !bytes.Equal(open, s.name) {
				return s.fail(s.tokLine, fmt.Sprintf("</%s> closes <%s> opened at line %d", s.name, open, top.line))
			}
			s.pop()
			return true
		}
		if len(s.open) == 0 {
			if s.root {
				return s.fail(s.tokLine, fmt.Sprintf("<%s> after the end of the root element", s.name))
			}
			s.root = true
		}
		s.open = append(s.open, xmlFrame{len(s.arena), s.tokLine})
		s.arena = append(s.arena, s.name...)
		return true
	}
}

func (s *xmlScanner) pop() {
	top := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	s.arena = s.arena[:top.from]
}

func (s *xmlScanner) atEOF() bool {
	if s.err != nil {
		return false
	}
	if len(s.open) > 0 {
		top := s.open[len(s.open)-1]
		return s.fail(s.line, fmt.Sprintf("unexpected end of input: <%s> opened at line %d is not closed", s.arena[top.from:], top.line))
	}
	if !s.root {
		return s.fail(s.line, "no root element")
	}
	return false
}

func (s *xmlScanner) fail(line int, msg string) bool {
	s.err = fmt.Errorf("line %d: %s", line, msg)
	return false
}

// markup reads the markup at the start of b ('<'), returning the bytes it
// takes and whether it is a tag (else a comment, processing instruction,
// CDATA section or DOCTYPE). It returns errMoreInput when b ends inside it.
func (s *xmlScanner) markup(b []byte) (n int, tag bool, err error) {
	if len(b) < 9 && !s.eof {
		if i := bytes.IndexByte(b, '>'); i < 0 {
			return 0, false, errMoreInput
		}
	}
	skipTo := func(from int, end string) (int, bool, error) {
		i := bytes.Index(b[from:], []byte(end))
		if i < 0 {
			return 0, false, errMoreInput
		}
		return from + i + len(end), false, nil
	}
	switch {
	case len(b) < 2:
		return 0, false, errMoreInput
	case b[1] == '?':
		return skipTo(2, "?>")
	case bytes.HasPrefix(b, []byte("<!--")):
		return skipTo(4, "-->")
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		if len(s.open) == 0 {
			return 0, false, errors.New("CDATA outside the root element")
		}
		return skipTo(9, "]]>")
	case b[1] == '!':
		if len(s.open) > 0 || !bytes.HasPrefix(b, []byte("<!DOCTYPE")) {
			return 0, false, fmt.Errorf("unexpected %q", prefix(b, 12))
		}
		depth, quote := 0, byte(0)
		for i := 2; i < len(b); i++ {
			switch c := b[i]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[':
				depth++
			case c == ']':
				depth--
			case c == '>' && depth <= 0:
				return i + 1, false, nil
			}
		}
		return 0, false, errMoreInput
	}
	// A tag: find its '>' outside quoted values first, so that nothing is
	// changed before the whole tag is in the buffer.
	end, quote := -1, byte(0)
	for i := 1; i < len(b); i++ {
		c := b[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			} else if c == '<' {
				return 0, false, errors.New("'<' in an attribute value")
			}
			continue
		}
		if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			end = i
			break
		} else if c == '<' {
			return 0, false, fmt.Errorf("'<' inside the tag %q", prefix(b[:i], 40))
		}
	}
	if end < 0 {
		return 0, false, errMoreInput
	}
	return end + 1, true, s.tag(b[1:end])
}

func prefix(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nameEnd returns the end of the name at b[i:].
func nameEnd(b []byte, i int) int {
	for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '=' && b[i] != '>' {
		i++
	}
	return i
}

// localName drops a namespace prefix.
func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// tag parses the inside of a tag (between < and >).
func (s *xmlScanner) tag(b []byte) error {
	s.attrs, s.self, s.closing = s.attrs[:0], false, false
	if len(b) == 0 {
		return errors.New("empty tag <>")
	}
	i := 0
	if b[0] == '/' {
		s.closing = true
		i = 1
	}
	j := nameEnd(b, i)
	if j == i || !validName(b[i:j]) {
		return fmt.Errorf("bad element name in <%s>", prefix(b, 40))
	}
	s.name = localName(b[i:j])
	i = j
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return nil
		}
		if s.closing {
			return fmt.Errorf("unexpected %q in the end tag </%s>", prefix(b[i:], 20), s.name)
		}
		if b[i] == '/' {
			if i+1 != len(b) {
				return fmt.Errorf("unexpected %q in <%s>", prefix(b[i:], 20), s.name)
			}
			s.self = true
			return nil
		}
		j = nameEnd(b, i)
		if j == i || !validName(b[i:j]) {
			return fmt.Errorf("bad attribute name %q in <%s>", prefix(b[i:], 20), s.name)
		}
		name := localName(b[i:j])
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j == len(b) || b[j] != '=' {
			return fmt.Errorf("attribute %s of <%s> has no value", name, s.name)
		}
		j++
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j == len(b) || b[j] != '"' && b[j] != '\'' {
			return fmt.Errorf("attribute %s of <%s>: the value is not quoted", name, s.name)
		}
		q := b[j]
		k := bytes.IndexByte(b[j+1:], q)
		if k < 0 {
			return fmt.Errorf("attribute %s of <%s>: the value is not closed", name, s.name)
		}
		v, err := unescapeAttr(b[j+1 : j+1+k])
		if err != nil {
			return fmt.Errorf("attribute %s of <%s>: %w", name, s.name, err)
		}
		s.attrs = append(s.attrs, xmlAttr{name, v})
		i = j + 2 + k
		if i < len(b) && !isSpace(b[i]) && b[i] != '/' {
			return fmt.Errorf("no space after attribute %s of <%s>", name, s.name)
		}
	}
}

func validName(n []byte) bool {
	c := n[0]
	if c >= '0' && c <= '9' || c == '-' || c == '.' || c == '"' || c == '\'' {
		return false
	}
	for _, c := range n {
		if c == '"' || c == '\'' || c == '<' || c == '&' {
			return false
		}
	}
	return true
}

// unescapeAttr decodes references and normalises white space in an
// attribute value, in place: every replacement is shorter than what it
// replaces.
func unescapeAttr(v []byte) ([]byte, error) {
	plain := true
	for _, c := range v {
		if c == '&' || c == '\t' || c == '\n' || c == '\r' {
			plain = false
			break
		}
	}
	if plain {
		return v, nil
	}
	w := 0
	for r := 0; r < len(v); r++ {
		c := v[r]
		switch c {
		case '\r':
			if r+1 < len(v) && v[r+1] == '\n' {
				r++
			}
			c = ' '
		case '\n', '\t':
			c = ' '
		case '&':
			semi := bytes.IndexByte(v[r:], ';')
			if semi < 0 || semi > 12 {
				return nil, fmt.Errorf("bad reference %q", prefix(v[r:], 12))
			}
			ref := v[r+1 : r+semi]
			var rn rune = -1
			switch string(ref) {
			case "amp":
				rn = '&'
			case "lt":
				rn = '<'
			case "gt":
				rn = '>'
			case "quot":
				rn = '"'
			case "apos":
				rn = '\''
			default:
				rn = charRef(ref)
			}
			if rn < 0 {
				return nil, fmt.Errorf("unknown reference &%s;", ref)
			}
			w += utf8.EncodeRune(v[w:], rn)
			r += semi
			continue
		}
		v[w] = c
		w++
	}
	return v[:w], nil
}

// charRef decodes #N or #xH, or returns -1.
func charRef(ref []byte) rune {
	if len(ref) < 2 || ref[0] != '#' {
		return -1
	}
	base, digs := 10, ref[1:]
	if digs[0] == 'x' {
		base, digs = 16, digs[1:]
	}
	if len(digs) == 0 {
		return -1
	}
	var n rune
	for _, c := range digs {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return -1
		}
		n = n*rune(base) + d
		if n > utf8.MaxRune {
			return -1
		}
	}
	ok := n == '\t' || n == '\n' || n == '\r' || n >= 0x20 && n <= 0xD7FF ||
		n >= 0xE000 && n <= 0xFFFD || n >= 0x10000 && n <= utf8.MaxRune
	if !ok {
		return -1
	}
	return n
}
