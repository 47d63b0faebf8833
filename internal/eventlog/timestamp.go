package eventlog

import (
	"fmt"
	"strings"
	"time"
)

// civil is a timestamp as written: calendar fields, and the offset when
// the value has one.
type civil struct {
	year, month, day     int
	hour, min, sec, nsec int
	off                  int // seconds east of UTC, when hasOff
	hasOff               bool
}

// The years an int64 of nanoseconds since 1970 holds whole.
const minYear, maxYear = 1678, 2261

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (the era arithmetic of H. Hinnant's days_from_civil), which is what
// keeps the zone-less UTC path free of time.Date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m, y int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// check reports what is wrong with the fields of c, or "".
func (c *civil) check() string {
	switch {
	case c.year < minYear || c.year > maxYear:
		return fmt.Sprintf("year %d is outside %d-%d", c.year, minYear, maxYear)
	case c.month < 1 || c.month > 12:
		return fmt.Sprintf("month %d does not exist", c.month)
	case c.day < 1 || c.day > daysIn(c.month, c.year):
		return fmt.Sprintf("day %d does not exist in %d-%02d", c.day, c.year, c.month)
	case c.hour > 23 || c.min > 59 || c.sec > 59:
		return fmt.Sprintf("time %02d:%02d:%02d does not exist", c.hour, c.min, c.sec)
	case c.off <= -24*3600 || c.off >= 24*3600:
		return "offset is a day or more"
	}
	return ""
}

// unixNano returns c as nanoseconds since the Unix epoch. A value without an
// offset is in loc (nil or UTC take the arithmetic path). c must be valid.
func (c *civil) unixNano(loc *time.Location) int64 {
	if !c.hasOff && loc != nil && loc != time.UTC {
		return time.Date(c.year, time.Month(c.month), c.day, c.hour, c.min, c.sec, c.nsec, loc).UnixNano()
	}
	secs := daysFromCivil(c.year, c.month, c.day)*86400 + int64(c.hour*3600+c.min*60+c.sec-c.off)
	return secs*1e9 + int64(c.nsec)
}

// shape is the layout of a detected timestamp, kept to describe it in
// messages and to suggest a --time-format.
type shape struct {
	numeric bool // D/M/Y or M/D/Y, else Y-M-D
	dateSep byte
	clock   byte // 'T', ' ' or 0 for a date alone
	seconds bool
	frac    bool
	ampm    bool
	zone    byte // 0, 'Z', ':' (±hh:mm), 'n' (±hhmm), 'h' (±hh)
}

// layout returns the strftime layout of s; order is "%d/%m" or "%m/%d"
// for the numeric forms.
func (s shape) layout(order string) string {
	var b strings.Builder
	sep := string(s.dateSep)
	if s.numeric {
		b.WriteString(strings.ReplaceAll(order, "/", sep) + sep + "%Y")
	} else {
		b.WriteString("%Y" + sep + "%m" + sep + "%d")
	}
	if s.clock != 0 {
		b.WriteByte(s.clock)
		if s.ampm {
			b.WriteString("%I:%M")
		} else {
			b.WriteString("%H:%M")
		}
		if s.seconds {
			b.WriteString(":%S")
		}
		if s.frac {
			b.WriteString(".%f")
		}
		if s.ampm {
			b.WriteString(" %p")
		}
	}
	if s.zone != 0 {
		b.WriteString("%z")
	}
	return b.String()
}

// digits reads 1 to max digits at b[i:] and returns the number and the
// index after them; n < 0 when there is no digit.
func digits(b []byte, i, max int) (n, j int) {
	j = i
	for j < len(b) && j-i < max && b[j] >= '0' && b[j] <= '9' {
		n = n*10 + int(b[j]-'0')
		j++
	}
	if j == i {
		return -1, i
	}
	return n, j
}

// parseDate reads the date part of a detected timestamp: Y-M-D (- / .
// separators) or N/N/YYYY. For the numeric form c.month and c.day hold the
// first and second number, in that order, for the caller to decide.
func parseDate(b []byte, c *civil, s *shape) (int, bool) {
	n, i := digits(b, 0, 4)
	if n < 0 || i >= len(b) {
		return 0, false
	}
	sep := b[i]
	if sep != '-' && sep != '/' && sep != '.' {
		return 0, false
	}
	s.dateSep = sep
	if i == 4 { // Y-M-D
		c.year = n
		if c.month, i = digits(b, i+1, 2); c.month < 0 || i >= len(b) || b[i] != sep {
			return 0, false
		}
		if c.day, i = digits(b, i+1, 2); c.day < 0 {
			return 0, false
		}
		return i, true
	}
	if i > 2 {
		return 0, false
	}
	s.numeric = true
	c.month = n
	if c.day, i = digits(b, i+1, 2); c.day < 0 || i >= len(b) || b[i] != sep {
		return 0, false
	}
	start := i + 1
	if c.year, i = digits(b, start, 4); i-start != 4 {
		return 0, false
	}
	return i, true
}

// parseDetect parses a timestamp in one of the detected forms (see
// ReadOptions), filling c and the shape s.
func parseDetect(b []byte, c *civil, s *shape) bool {
	*c, *s = civil{}, shape{}
	i, ok := parseDate(b, c, s)
	if !ok {
		return false
	}
	if i == len(b) {
		return true
	}
	if b[i] != 'T' && b[i] != ' ' {
		return false
	}
	s.clock = b[i]
	if c.hour, i = digits(b, i+1, 2); c.hour < 0 || i >= len(b) || b[i] != ':' {
		return false
	}
	start := i + 1
	if c.min, i = digits(b, start, 2); i-start != 2 {
		return false
	}
	if i < len(b) && b[i] == ':' {
		s.seconds = true
		start = i + 1
		if c.sec, i = digits(b, start, 2); i-start != 2 {
			return false
		}
		if i < len(b) && (b[i] == '.' || b[i] == ',') {
			s.frac = true
			if i, ok = fraction(b, i+1, &c.nsec); !ok {
				return false
			}
		}
	}
	if s.numeric {
		j := i
		for j < len(b) && b[j] == ' ' {
			j++
		}
		if j+2 <= len(b) {
			if p := ampm(b[j : j+2]); p != 0 {
				if c.hour < 1 || c.hour > 12 {
					return false
				}
				s.ampm = true
				c.hour %= 12
				if p == 'P' {
					c.hour += 12
				}
				i = j + 2
			}
		}
	}
	if i == len(b) {
		return true
	}
	if b[i] == ' ' && i+1 < len(b) && (b[i+1] == '+' || b[i+1] == '-' || b[i+1] == 'Z') {
		i++
	}
	i, ok = zone(b, i, c, s)
	return ok && i == len(b)
}

// ampm returns 'A' or 'P' for AM or PM in any case, else 0.
func ampm(b []byte) byte {
	if b[1] != 'M' && b[1] != 'm' {
		return 0
	}
	switch b[0] {
	case 'A', 'a':
		return 'A'
	case 'P', 'p':
		return 'P'
	}
	return 0
}

// fraction reads fractional-second digits at b[i:] into nanoseconds;
// digits past the ninth are dropped.
func fraction(b []byte, i int, nsec *int) (int, bool) {
	start, ns, scale := i, 0, 100000000
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		ns += int(b[i]-'0') * scale
		scale /= 10
		i++
	}
	*nsec = ns
	return i, i > start
}

// zone reads Z, ±hh:mm, ±hhmm or ±hh at b[i:].
func zone(b []byte, i int, c *civil, s *shape) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	if b[i] == 'Z' || b[i] == 'z' {
		c.hasOff, c.off = true, 0
		s.zone = 'Z'
		return i + 1, true
	}
	sign := 1
	switch b[i] {
	case '+':
	case '-':
		sign = -1
	default:
		return i, false
	}
	h, j := digits(b, i+1, 2)
	if j-i != 3 {
		return i, false
	}
	m := 0
	s.zone = 'h'
	if j < len(b) && b[j] == ':' {
		if m, j = digits(b, j+1, 2); m < 0 {
			return i, false
		}
		s.zone = ':'
	} else if j < len(b) {
		start := j
		if m, j = digits(b, j, 2); j-start != 2 {
			return i, false
		}
		s.zone = 'n'
	}
	if m > 59 {
		return i, false
	}
	c.hasOff, c.off = true, sign*(h*3600+m*60)
	return j, true
}

// timeColumn parses one timestamp column of a log: with the layout of
// --time-format, or detected over the whole column (SPEC §3).
//
// Y-M-D values are converted at once. For the numeric forms the day/month
// order is only known once every value has been seen, and the raw strings
// are not kept, so a value is stored provisionally in two halves: the time
// column gets its time of day in nanoseconds (minus the offset, plus
// provBias so that it is never 0 or NoTime), and a side slice of uint32
// (4 bytes an event, dropped at the end) the date fields packed as
// hasOffset<<31 | year<<10 | first<<5 | second. resolve adds the days once
// the order is decided. Each interpretation's first impossible value is
// remembered: the order is the one without any; none valid is a mixed
// column, both valid an ambiguous one.
type timeColumn struct {
	name string
	loc  *time.Location
	plan *strftime // --time-format, or nil to detect

	detected bool
	shape    shape
	dates    []uint32 // per event, numeric forms only

	badDM, badMD   int    // first line impossible day-first / month-first
	badDMv, badMDv string // its value
	sample         int    // a line with an ambiguous value
	samplev        string
}

const provBias = 1 << 50

// timeError describes a value that is not a time.
func (tc *timeColumn) timeError(v []byte, why string) string {
	var layout string
	switch {
	case tc.plan != nil:
		layout = "layout given: " + tc.plan.layout
	case tc.detected && tc.shape.numeric:
		layout = "layout detected: " + tc.shape.layout("%d/%m") + " or " + tc.shape.layout("%m/%d")
	case tc.detected:
		layout = "layout detected: " + tc.shape.layout("")
	default:
		layout = "no layout recognised"
	}
	if why != "" {
		layout = why + "; " + layout
	}
	return fmt.Sprintf("column %q: cannot parse %q as a time (%s)", tc.name, v, layout)
}

// parse parses one value of the column, at line, returning the time (or a
// provisional time, see timeColumn) and a message when it is not a time.
// The caller calls keep after adding the event.
func (tc *timeColumn) parse(v []byte, line int) (int64, uint32, string) {
	v = trimSpace(v)
	var c civil
	if tc.plan != nil {
		if why := tc.plan.parse(v, &c); why != "" {
			return 0, 0, tc.timeError(v, why)
		}
		if why := c.check(); why != "" {
			return 0, 0, tc.timeError(v, why)
		}
		return c.unixNano(tc.loc), 0, ""
	}
	var s shape
	if !parseDetect(v, &c, &s) {
		return 0, 0, tc.timeError(v, "")
	}
	if !tc.detected {
		tc.detected, tc.shape = true, s
	} else if s.numeric != tc.shape.numeric {
		return 0, 0, tc.timeError(v, "the column mixes year-first and year-last dates")
	}
	if !s.numeric {
		if why := c.check(); why != "" {
			return 0, 0, tc.timeError(v, why)
		}
		return c.unixNano(tc.loc), 0, ""
	}
	// Check both orders; a value possible in neither is an error now.
	first, second := c.month, c.day
	dm, md := c, c
	dm.day, dm.month = first, second
	whyDM, whyMD := dm.check(), md.check()
	if whyDM != "" && whyMD != "" {
		return 0, 0, tc.timeError(v, whyDM)
	}
	switch {
	case whyDM != "" && tc.badDM == 0:
		tc.badDM, tc.badDMv = line, string(v)
	case whyMD != "" && tc.badMD == 0:
		tc.badMD, tc.badMDv = line, string(v)
	case whyDM == "" && whyMD == "" && tc.sample == 0 && first != second:
		tc.sample, tc.samplev = line, string(v)
	}
	packed := uint32(c.year)<<10 | uint32(first)<<5 | uint32(second)
	if c.hasOff {
		packed |= 1 << 31
	}
	tod := int64(c.hour*3600+c.min*60+c.sec-c.off)*1e9 + int64(c.nsec)
	return provBias + tod, packed, ""
}

// keep records the provisional date of the event just added at index
// event; events before the column's first value (a start time may be
// missing) get an empty entry.
func (tc *timeColumn) keep(event int, packed uint32) {
	if !tc.pending() {
		return
	}
	for len(tc.dates) < event {
		tc.dates = append(tc.dates, 0)
	}
	tc.dates = append(tc.dates, packed)
}

// pending reports whether values are stored provisionally.
func (tc *timeColumn) pending() bool { return tc.plan == nil && tc.detected && tc.shape.numeric }

// order decides the day/month order of a numeric column: true for day
// first.
func (tc *timeColumn) order() (dayFirst bool, err error) {
	switch {
	case tc.badDM != 0 && tc.badMD != 0:
		return false, fmt.Errorf("column %q: mixed day/month order: line %d has %q (month first) and line %d has %q (day first)",
			tc.name, tc.badDM, tc.badDMv, tc.badMD, tc.badMDv)
	case tc.badMD != 0:
		return true, nil
	case tc.badDM != 0:
		return false, nil
	}
	example := ""
	if tc.sample != 0 {
		example = fmt.Sprintf(" (line %d: %q)", tc.sample, tc.samplev)
	}
	return false, fmt.Errorf("column %q: ambiguous day/month order: no value has a number above 12 in the first or second place%s; pass --time-format '%s' or '%s'",
		tc.name, example, tc.shape.layout("%d/%m"), tc.shape.layout("%m/%d"))
}

// resolve turns the provisional values of a numeric column into times;
// times[i] pairs with tc.dates[i] (NoTime entries are skipped).
func (tc *timeColumn) resolve(times []int64) error {
	if !tc.pending() {
		return nil
	}
	dayFirst, err := tc.order()
	if err != nil {
		return err
	}
	for i, p := range tc.dates {
		if times[i] == NoTime {
			continue
		}
		first, second := int(p>>5&31), int(p&31)
		c := civil{year: int(p >> 10 & (1<<21 - 1)), month: first, day: second, hasOff: p>>31 != 0}
		if dayFirst {
			c.day, c.month = first, second
		}
		tod := times[i] - provBias
		if c.hasOff || tc.loc == nil || tc.loc == time.UTC {
			times[i] = daysFromCivil(c.year, c.month, c.day)*86400e9 + tod
			continue
		}
		secs := tod / 1e9
		c.hour, c.min, c.sec, c.nsec = int(secs/3600), int(secs/60%60), int(secs%60), int(tod%1e9)
		times[i] = c.unixNano(tc.loc)
	}
	tc.dates = nil
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// parseXSDateTime parses an xs:dateTime (XES dates): Y-M-DThh:mm:ss with an
// optional fraction and offset; zone-less values are in loc.
func parseXSDateTime(v []byte, loc *time.Location) (int64, string) {
	var c civil
	var s shape
	if !parseDetect(trimSpace(v), &c, &s) || s.numeric {
		return 0, "not an xs:dateTime"
	}
	if why := c.check(); why != "" {
		return 0, why
	}
	return c.unixNano(loc), ""
}
