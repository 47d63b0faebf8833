package eventlog

import (
	"fmt"
	"strings"
)

// strftime is a compiled --time-format layout: a list of directives and
// literal text, matched against a value without time.Parse.
type strftime struct {
	layout string
	items  []strftimeItem
}

type strftimeItem struct {
	dir byte   // directive letter, or 0 for literal text
	lit string // the literal text
}

var monthNames = [...]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

// compileStrftime compiles a strftime layout. The directives are %Y %y %m
// %d %e %j %H %I %M %S %f %p %z %Z %b %B %T %F and %%.
func compileStrftime(layout string) (*strftime, error) {
	f := &strftime{layout: layout}
	lit := func(s string) {
		if n := len(f.items); n > 0 && f.items[n-1].dir == 0 {
			f.items[n-1].lit += s
			return
		}
		f.items = append(f.items, strftimeItem{lit: s})
	}
	for i := 0; i < len(layout); i++ {
		ch := layout[i]
		if ch != '%' {
			lit(string(ch))
			continue
		}
		i++
		if i == len(layout) {
			return nil, fmt.Errorf("time format %q: ends with a lone %%", layout)
		}
		switch d := layout[i]; d {
		case '%':
			lit("%")
		case 'T':
			f.items = append(f.items, strftimeItem{dir: 'H'}, strftimeItem{lit: ":"}, strftimeItem{dir: 'M'},
				strftimeItem{lit: ":"}, strftimeItem{dir: 'S'})
		case 'F':
			f.items = append(f.items, strftimeItem{dir: 'Y'}, strftimeItem{lit: "-"}, strftimeItem{dir: 'm'},
				strftimeItem{lit: "-"}, strftimeItem{dir: 'd'})
		case 'Y', 'y', 'm', 'd', 'e', 'j', 'H', 'I', 'M', 'S', 'f', 'p', 'z', 'Z', 'b', 'B':
			f.items = append(f.items, strftimeItem{dir: d})
		default:
			return nil, fmt.Errorf("time format %q: unknown directive %%%c", layout, d)
		}
	}
	return f, nil
}

// parse matches v against the layout into c, returning what does not
// match, or "". Fields the layout lacks are those of 1970-01-01 00:00.
func (f *strftime) parse(v []byte, c *civil) string {
	*c = civil{year: 1970, month: 1, day: 1}
	i, yday, pm := 0, -1, byte(0)
	twelve := false
	num := func(min, max int) (int, bool) {
		n, j := digits(v, i, max)
		if n < 0 || j-i < min {
			return 0, false
		}
		i = j
		return n, true
	}
	for _, it := range f.items {
		ok := true
		switch it.dir {
		case 0:
			for k := 0; k < len(it.lit); k++ {
				if it.lit[k] == ' ' { // a space matches a run of spaces
					if i >= len(v) || v[i] != ' ' {
						return fmt.Sprintf("expected %q at byte %d", it.lit, i+1)
					}
					for i < len(v) && v[i] == ' ' {
						i++
					}
					continue
				}
				if i >= len(v) || v[i] != it.lit[k] {
					return fmt.Sprintf("expected %q at byte %d", it.lit, i+1)
				}
				i++
			}
			continue
		case 'Y':
			c.year, ok = num(4, 4)
		case 'y':
			var y int
			if y, ok = num(2, 2); ok { // POSIX: 69-99 are 19xx, 00-68 20xx
				c.year = 2000 + y
				if y >= 69 {
					c.year = 1900 + y
				}
			}
		case 'm':
			c.month, ok = num(1, 2)
		case 'd':
			c.day, ok = num(1, 2)
		case 'e':
			if i < len(v) && v[i] == ' ' {
				i++
			}
			c.day, ok = num(1, 2)
		case 'j':
			yday, ok = num(1, 3)
		case 'H':
			c.hour, ok = num(1, 2)
		case 'I':
			c.hour, ok = num(1, 2)
			twelve = true
		case 'M':
			c.min, ok = num(1, 2)
		case 'S':
			c.sec, ok = num(1, 2)
		case 'f':
			i, ok = fraction(v, i, &c.nsec)
		case 'p':
			if ok = i+2 <= len(v); ok {
				pm = ampm(v[i : i+2])
				ok = pm != 0
				i += 2
			}
		case 'z':
			var s shape
			i, ok = zone(v, i, c, &s)
		case 'Z':
			j := i
			for j < len(v) && (v[j] >= 'A' && v[j] <= 'Z' || v[j] >= 'a' && v[j] <= 'z') {
				j++
			}
			switch strings.ToUpper(string(v[i:j])) {
			case "UTC", "GMT", "Z":
				c.hasOff, c.off = true, 0
			default:
				return fmt.Sprintf("zone name %q at byte %d is not understood (only UTC, GMT or Z; use %%z for offsets)", v[i:j], i+1)
			}
			i = j
		case 'b', 'B':
			c.month, ok = 0, false
			for m, name := range monthNames {
				if n := matchMonth(v[i:], name); n > 0 {
					c.month, ok = m+1, true
					i += n
					break
				}
			}
		}
		if !ok {
			return fmt.Sprintf("%%%c does not match at byte %d", it.dir, i+1)
		}
	}
	if i != len(v) {
		return fmt.Sprintf("unexpected %q after the layout", v[i:])
	}
	if pm != 0 || twelve {
		if c.hour < 1 || c.hour > 12 {
			return fmt.Sprintf("hour %d is not on a 12-hour clock", c.hour)
		}
		c.hour %= 12
		if pm == 'P' {
			c.hour += 12
		}
	}
	if yday >= 0 {
		days := 365
		if isLeap(c.year) {
			days = 366
		}
		if yday < 1 || yday > days {
			return fmt.Sprintf("day of year %d does not exist in %d", yday, c.year)
		}
		c.month, c.day = 1, yday
		for c.day > daysIn(c.month, c.year) {
			c.day -= daysIn(c.month, c.year)
			c.month++
		}
	}
	return ""
}

// matchMonth returns the length of the English month name (full, or its
// three-letter abbreviation) at the start of v, in any case, or 0.
func matchMonth(v []byte, name string) int {
	if len(v) >= len(name) && strings.EqualFold(string(v[:len(name)]), name) {
		return len(name)
	}
	if len(v) >= 3 && strings.EqualFold(string(v[:3]), name[:3]) {
		return 3
	}
	return 0
}
