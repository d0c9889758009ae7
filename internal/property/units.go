package property

import (
	"math"
	"strings"
)

// infinity is systemd's "no limit" for sizes, times and cgroup limits.
const infinity = math.MaxUint64

// sizeSuffixes are parse_size's base-1024 suffixes, largest first. A value
// may combine several parts ("1G 512M") as long as they shrink.
var sizeSuffixes = []struct {
	suffix string
	factor uint64
}{
	{"E", 1 << 60}, {"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30},
	{"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}, {"", 1},
}

// parseSize reads a byte count with base-1024 suffixes, fractions
// included ("1.5G"), the way systemd's parse_size does.
func parseSize(s string) (uint64, error) {
	var total uint64
	start := 0
	for {
		neg, whole, rest, ok, err := decimalPrefix(s)
		switch {
		case err != nil:
			return 0, err
		case !ok:
			return 0, errFormat
		case neg:
			return 0, errRange
		}

		frac, rest, err := sizeFraction(rest)
		if err != nil {
			return 0, err
		}
		rest = strings.TrimLeft(rest, whitespace)

		i := start
		for !strings.HasPrefix(rest, sizeSuffixes[i].suffix) {
			i++
		}
		factor := sizeSuffixes[i].factor
		if whole+boolToUint(frac > 0) > math.MaxUint64/factor {
			return 0, errRange
		}
		part := whole*factor + uint64(frac*float64(factor))
		if part > math.MaxUint64-total {
			return 0, errRange
		}
		total += part

		s, start = rest[len(sizeSuffixes[i].suffix):], i+1
		if s == "" {
			return total, nil
		}
		if start == len(sizeSuffixes) {
			return 0, errFormat
		}
	}
}

// sizeFraction reads the ".123" after a size's whole part, if any.
func sizeFraction(s string) (float64, string, error) {
	if !strings.HasPrefix(s, ".") {
		return 0, s, nil
	}
	s = s[1:]

	v, n, overflow := readDigits(s, 10)
	if overflow {
		return 0, "", errRange
	}
	frac := float64(v)
	for range n {
		frac /= 10
	}
	return frac, s[n:], nil
}

func boolToUint(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Microseconds per unit of time, as systemd counts them (a month is 30.44
// days, a year 365.25).
const (
	usec   = 1
	msec   = 1000 * usec
	second = 1000 * msec
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
	week   = 7 * day
	month  = 2629800 * second
	year   = 31557600 * second
)

// timeUnits are the unit names parse_time knows, in the order it tries
// them: a longer name comes before its prefixes.
var timeUnits = []struct {
	name string
	usec uint64
}{
	{"seconds", second}, {"second", second}, {"sec", second}, {"s", second},
	{"minutes", minute}, {"minute", minute}, {"min", minute},
	{"months", month}, {"month", month}, {"M", month},
	{"msec", msec}, {"ms", msec}, {"m", minute},
	{"hours", hour}, {"hour", hour}, {"hr", hour}, {"h", hour},
	{"days", day}, {"day", day}, {"d", day},
	{"weeks", week}, {"week", week}, {"w", week},
	{"years", year}, {"year", year}, {"y", year},
	{"usec", usec}, {"us", usec}, {"\u03bcs", usec}, {"\u00b5s", usec},
}

// parseTimespan reads a time span in microseconds the way systemd's
// parse_time does: "infinity", or parts such as "1h 30min", "1.5s", "100ms";
// a number without a unit counts in defaultUnit.
func parseTimespan(s string, defaultUnit uint64) (uint64, error) {
	p := strings.TrimLeft(s, whitespace)
	if rest, ok := strings.CutPrefix(p, "infinity"); ok {
		if strings.TrimLeft(rest, whitespace) != "" {
			return 0, errFormat
		}
		return infinity, nil
	}

	var total uint64
	for something := false; ; something = true {
		p = strings.TrimLeft(p, whitespace)
		if p == "" {
			if !something {
				return 0, errFormat
			}
			return total, nil
		}

		var err error
		if p, total, err = timePart(p, total, defaultUnit); err != nil {
			return 0, err
		}
	}
}

// timePart reads one number and its unit, adds it to total and returns the
// rest.
func timePart(p string, total, defaultUnit uint64) (string, uint64, error) {
	if p[0] == '-' {
		return "", 0, errRange
	}
	_, whole, rest, ok, err := decimalPrefix(p)
	if err != nil || whole > math.MaxInt64 {
		return "", 0, errRange
	}

	fraction := ""
	switch {
	case strings.HasPrefix(rest, "."):
		n := len(rest) - len(strings.TrimLeft(rest[1:], "0123456789")) - 1
		if n == 0 {
			return "", 0, errFormat // "3.", "3.s", "3. 1"
		}
		fraction, rest = rest[1:1+n], rest[1+n:]
	case !ok:
		return "", 0, errFormat
	}

	unit, after := defaultUnit, strings.TrimLeft(rest, whitespace)
	found := false
	for _, u := range timeUnits {
		if r, ok := strings.CutPrefix(after, u.name); ok {
			unit, after, found = u.usec, r, true
			break
		}
	}
	if !found && after == rest && after != "" {
		return "", 0, errFormat
	}

	total, err = addTime(total, whole, fraction, unit)
	return after, total, err
}

// addTime adds whole.fraction units to total, refusing to reach infinity.
func addTime(total, whole uint64, fraction string, unit uint64) (uint64, error) {
	if whole >= infinity/unit {
		return 0, errRange
	}
	k := whole * unit
	if k >= infinity-total {
		return 0, errRange
	}
	total += k

	m := unit / 10
	for _, d := range []byte(fraction) {
		k = uint64(d-'0') * m
		if k >= infinity-total {
			return 0, errRange
		}
		total += k
		m /= 10
	}
	return total, nil
}
