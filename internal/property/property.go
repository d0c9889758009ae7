package property

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// ErrUnknown is returned by Parse for a name it does not know.
var ErrUnknown = errors.New("unknown property")

// parser converts the text value of one assignment to D-Bus properties.
type parser func(name, value string) ([]bus.Property, error)

// table maps each name Parse accepts to its parser.
var table = map[string]parser{}

func register(p parser, names ...string) {
	for _, n := range names {
		table[n] = p
	}
}

// Parse converts one assignment, name=value in systemd-run's -p syntax, to
// the D-Bus properties systemd-run would send for it. The error is
// ErrUnknown for an unknown name, or says what is wrong with the value.
func Parse(name, value string) ([]bus.Property, error) {
	p, ok := table[name]
	if !ok {
		return nil, ErrUnknown
	}

	props, err := p(name, value)
	if err != nil {
		return nil, err
	}
	for _, prop := range props {
		if !busSafe(reflect.ValueOf(prop.Value.Value())) {
			return nil, errors.New("value is not valid UTF-8 or contains NUL")
		}
	}
	return props, nil
}

// Names returns every name Parse accepts, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(table))
}

// busSafe tells whether every string in v may travel over D-Bus: valid
// UTF-8 without NUL bytes.
func busSafe(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		return utf8.ValidString(s) && !strings.Contains(s, "\x00")
	case reflect.Slice:
		for i := range v.Len() {
			if !busSafe(v.Index(i)) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !busSafe(v.Field(i)) {
				return false
			}
		}
	}
	return true
}

// one returns a single property.
func one(name string, value any) []bus.Property {
	return []bus.Property{{Name: name, Value: dbus.MakeVariant(value)}}
}

// invalid describes a value that does not parse as what it should be.
func invalid(what, value string) error {
	return fmt.Errorf("invalid %s %q", what, value)
}

// invalidHint is invalid with a hint on what is expected.
func invalidHint(what, hint, value string) error {
	return fmt.Errorf("invalid %s %q (%s)", what, value, hint)
}

// invalidIn describes a bad word inside a longer value.
func invalidIn(what, word string, err error) error {
	if err == nil {
		return invalid(what, word)
	}
	return fmt.Errorf("invalid %s %q: %w", what, word, err)
}
