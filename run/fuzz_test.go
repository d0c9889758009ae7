package run_test

import (
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/run"
)

// FuzzParseProperty checks that ParseProperty never panics, that its
// errors are PropertyErrors, and that whatever it accepts becomes D-Bus
// properties that encode and carry only valid strings.
func FuzzParseProperty(f *testing.F) {
	for _, c := range propertyCases {
		for _, a := range c.assign {
			f.Add(a)
		}
	}
	for _, c := range badCases {
		f.Add(c.assign)
	}
	for _, c := range constructorCases {
		f.Add(c.text)
	}
	for _, a := range trickyAssignments {
		f.Add(a)
	}

	f.Fuzz(func(t *testing.T, assignment string) {
		p, err := run.ParseProperty(assignment)
		if err != nil {
			checkParseError(t, assignment, err)
			return
		}

		props, err := run.BusProperties(p)
		if err != nil {
			t.Fatalf("%q parsed, but has no D-Bus form: %v", assignment, err)
		}
		if p.String() != assignment {
			t.Fatalf("%q parsed, but prints as %q", assignment, p.String())
		}
		for _, prop := range props {
			checkWire(t, assignment, prop.Name, prop.Value)
		}
	})
}

func checkParseError(t *testing.T, assignment string, err error) {
	t.Helper()

	var perr *run.PropertyError
	if !errors.As(err, &perr) {
		t.Fatalf("%q: error %T is not a *PropertyError", assignment, err)
	}
	if !errors.Is(err, run.ErrUnknownProperty) && !errors.Is(err, run.ErrInvalidValue) {
		t.Fatalf("%q: error %v matches no sentinel", assignment, err)
	}
	if !strings.HasPrefix(err.Error(), "parse property ") {
		t.Fatalf("%q: error %q does not name the operation", assignment, err)
	}
}

// checkWire checks that a property would encode in a D-Bus message, with
// valid UTF-8 and no NUL in its strings.
func checkWire(t *testing.T, assignment, name string, v dbus.Variant) {
	t.Helper()

	if _, err := dbus.ParseSignature(v.Signature().String()); err != nil || name == "" {
		t.Fatalf("%q: property %q has signature %q: %v", assignment, name, v.Signature(), err)
	}
	if !validStrings(reflect.ValueOf(v.Value())) {
		t.Fatalf("%q: property %s holds a string D-Bus refuses: %#v", assignment, name, v.Value())
	}

	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:      dbus.MakeVariant(dbus.ObjectPath("/")),
			dbus.FieldMember:    dbus.MakeVariant("StartTransientUnit"),
			dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(name, v)),
		},
		Body: []any{name, v},
	}
	if err := msg.EncodeTo(io.Discard, binary.LittleEndian); err != nil {
		t.Fatalf("%q: property %s does not encode: %v", assignment, name, err)
	}
}

func validStrings(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String()) && !strings.Contains(v.String(), "\x00")
	case reflect.Slice:
		for i := range v.Len() {
			if !validStrings(v.Index(i)) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !validStrings(v.Field(i)) {
				return false
			}
		}
	}
	return true
}
