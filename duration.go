package svcflow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BusinessDayHours is how many working hours one business day counts for when
// a definition is checked on its own. The engine uses the team's calendar.
const BusinessDayHours = 8

// Duration is a target or estimated time in a definition. It is either a
// calendar duration ("15m", "4h", "2d", "1w", "1h30m"; a day is 24 hours) or
// a number of business days ("3bd", "0.5bd"), whose length depends on a
// business calendar.
type Duration struct {
	Calendar     time.Duration // set for calendar durations
	BusinessDays float64       // set for business-day durations
}

// IsZero reports whether d was not given.
func (d Duration) IsZero() bool { return d.Calendar == 0 && d.BusinessDays == 0 }

// IsBusiness reports whether d counts business days.
func (d Duration) IsBusiness() bool { return d.BusinessDays != 0 }

// Estimate returns d as elapsed working time, counting a business day as
// BusinessDayHours hours. It is what validation and reports compare.
func (d Duration) Estimate() time.Duration {
	if d.IsBusiness() {
		return time.Duration(d.BusinessDays * BusinessDayHours * float64(time.Hour))
	}
	return d.Calendar
}

var calendarUnits = []struct {
	suffix string
	size   time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

// ParseDuration parses a definition duration. It accepts "Nbd" for business
// days, or a sequence of number-unit pairs with units w, d, h, m and s.
// Numbers may have a fraction. It rejects zero and negative values.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Duration{}, errors.New("empty duration")
	}
	if num, ok := strings.CutSuffix(in, "bd"); ok {
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || strings.ContainsAny(num, "eE+-") || num == "" {
			return Duration{}, fmt.Errorf("%q is not a number of business days", s)
		}
		if v <= 0 {
			return Duration{}, fmt.Errorf("%q is not positive", s)
		}
		return Duration{BusinessDays: v}, nil
	}
	var total time.Duration
	rest := in
	last := -1
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return Duration{}, fmt.Errorf("%q: expected a number at %q", s, rest)
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return Duration{}, fmt.Errorf("%q: %q is not a number", s, rest[:i])
		}
		rest = rest[i:]
		unit := -1
		for j, u := range calendarUnits {
			if strings.HasPrefix(rest, u.suffix) {
				unit = j
				break
			}
		}
		if unit < 0 {
			return Duration{}, fmt.Errorf("%q: expected a unit (w, d, h, m, s or bd) after %s", s, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if unit <= last {
			return Duration{}, fmt.Errorf("%q: units must go from largest to smallest, each once", s)
		}
		last = unit
		u := calendarUnits[unit]
		rest = rest[len(u.suffix):]
		part := v * float64(u.size)
		if part > float64(100*365*24*time.Hour) {
			return Duration{}, fmt.Errorf("%q is longer than a hundred years", s)
		}
		total += time.Duration(part)
	}
	if total <= 0 {
		return Duration{}, fmt.Errorf("%q is not positive", s)
	}
	return Duration{Calendar: total}, nil
}

// MustParseDuration is ParseDuration for constants in code and tests; it panics on error.
func MustParseDuration(s string) Duration {
	d, err := ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String formats d in the definition syntax, using the largest units that
// divide it exactly ("2d", "1h30m", "0.5bd").
func (d Duration) String() string {
	if d.IsBusiness() {
		return strconv.FormatFloat(d.BusinessDays, 'f', -1, 64) + "bd"
	}
	if d.Calendar == 0 {
		return ""
	}
	var b strings.Builder
	rest := d.Calendar
	for _, u := range calendarUnits[:len(calendarUnits)-1] {
		if n := rest / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.suffix)
			rest -= n * u.size
		}
	}
	if rest > 0 {
		b.WriteString(strconv.FormatFloat(rest.Seconds(), 'f', -1, 64))
		b.WriteString("s")
	}
	return b.String()
}

// MarshalText writes d in the definition syntax, so JSON and YAML show what a file would hold.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses the definition syntax.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
