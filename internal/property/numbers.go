package property

import (
	"errors"
	"math"
	"strings"
)

// cSpace is what C's isspace accepts; strtoull and friends skip it.
const cSpace = " \t\n\v\f\r"

var (
	errRange  = errors.New("out of range")
	errFormat = errors.New("invalid syntax")
)

// parseUint reads an unsigned integer the way systemd's safe_atou64 does:
// leading blanks, an optional sign ("-0" only), and C's base prefixes
// ("0x" hex, "0" octal) plus "0b" and "0o".
func parseUint(s string, max uint64) (uint64, error) {
	neg, v, err := parseC(s)
	switch {
	case err != nil:
		return 0, err
	case neg && v != 0, v > max:
		return 0, errRange
	}
	return v, nil
}

// parseInt reads a signed integer the way systemd's safe_atoi does, within
// [min, max].
func parseInt(s string, min, max int64) (int64, error) {
	neg, v, err := parseC(s)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt64 && !(neg && v == 1<<63) {
		return 0, errRange
	}

	n := int64(v)
	if neg {
		n = -n
	}
	if n < min || n > max {
		return 0, errRange
	}
	return n, nil
}

// parseC reads the sign and magnitude of a C integer with base
// detection, refusing trailing text.
func parseC(s string) (neg bool, v uint64, err error) {
	s = strings.TrimLeft(s, cSpace)
	base := uint64(0)
	if p, ok := cutPrefixFold(s, "0b"); ok {
		s, base = p, 2
	} else if p, ok := cutPrefixFold(s, "0o"); ok {
		s, base = p, 8
	}

	s = strings.TrimLeft(s, cSpace)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	s, base = detectBase(s, base)

	v, n, overflow := readDigits(s, base)
	switch {
	case n == 0 || n != len(s):
		return false, 0, errFormat
	case overflow:
		return false, 0, errRange
	}
	return neg, v, nil
}

// detectBase applies C's base 0 rules when no base is set yet.
func detectBase(s string, base uint64) (string, uint64) {
	if base != 0 {
		return s, base
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		if _, ok := digitValue(s[2]); ok {
			return s[2:], 16
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return s, 8
	}
	return s, 10
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// readDigits reads the longest run of digits of base at the start of s.
func readDigits(s string, base uint64) (v uint64, n int, overflow bool) {
	for n < len(s) {
		d, ok := digitValue(s[n])
		if !ok || uint64(d) >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/base {
			overflow = true
		}
		v = v*base + uint64(d)
		n++
	}
	return v, n, overflow
}

// decimalPrefix reads what strtoull(s, &end, 10) would: blanks, a sign and
// decimal digits. It returns the value, the rest after the digits, and
// whether digits were found.
func decimalPrefix(s string) (neg bool, v uint64, rest string, ok bool, err error) {
	t := strings.TrimLeft(s, cSpace)
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg, t = t[0] == '-', t[1:]
	}

	v, n, overflow := readDigits(t, 10)
	if n == 0 {
		return false, 0, s, false, nil
	}
	if overflow {
		return false, 0, "", false, errRange
	}
	return neg, v, t[n:], true, nil
}

// parseBool reads systemd's booleans: 1/yes/y/true/t/on and
// 0/no/n/false/f/off, in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, true
	case "0", "no", "n", "false", "f", "off":
		return false, true
	}
	return false, false
}
