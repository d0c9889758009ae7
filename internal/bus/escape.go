package bus

import (
	"strings"

	"github.com/godbus/dbus/v5"
)

const hexDigits = "0123456789abcdef"

// EscapeLabel escapes s into one element of an object path the way systemd's
// bus_label_escape does: ASCII letters stay, digits stay unless they come
// first, and every other byte becomes an underscore and two lowercase hex
// digits. The empty string becomes a single underscore.
//
// Public code must not build unit paths from names: it asks the manager
// (GetUnit, LoadUnit), which also loads the unit. Escaping serves match
// rules and tests.
func EscapeLabel(s string) string {
	if s == "" {
		return "_"
	}

	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isASCIILetter(c) || (i > 0 && isASCIIDigit(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// UnescapeLabel reverses EscapeLabel. Like systemd, it takes an underscore
// that is not followed by two hex digits literally, and it accepts
// uppercase hex digits.
func UnescapeLabel(s string) string {
	if s == "_" {
		return ""
	}

	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if c, ok := escapedByte(s, i); ok {
			b.WriteByte(c)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escapedByte decodes the escape sequence "_xx" at s[i], if there is one.
func escapedByte(s string, i int) (byte, bool) {
	if s[i] != '_' || len(s)-i < 3 {
		return 0, false
	}

	hi, okHi := hexValue(s[i+1])
	lo, okLo := hexValue(s[i+2])
	return hi<<4 | lo, okHi && okLo
}

// UnitPath returns the object path systemd gives the unit of that name.
// See EscapeLabel for when to use it.
func UnitPath(name string) dbus.ObjectPath {
	return UnitPathPrefix + "/" + dbus.ObjectPath(EscapeLabel(name))
}

func isASCIILetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isASCIIDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

func hexValue(c byte) (byte, bool) {
	switch {
	case isASCIIDigit(c):
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
