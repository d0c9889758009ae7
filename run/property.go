package run

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/property"
)

// Errors a PropertyError matches with errors.Is.
var (
	// ErrUnknownProperty means that the name is not a property ParseProperty
	// knows.
	ErrUnknownProperty = errors.New("unknown property")

	// ErrInvalidValue means that the value does not fit the property.
	ErrInvalidValue = errors.New("invalid property value")

	// ErrNotForScope means that the property is valid but a scope cannot
	// apply it, such as PrivateTmp=: systemd sets it up only for processes
	// it starts itself.
	ErrNotForScope = errors.New("property does not apply to a scope")
)

// A PropertyError reports an assignment that cannot become a property, or a
// property that a scope cannot apply.
type PropertyError struct {
	Name   string // the property's name, as given
	Value  string // the value, as given
	Reason string // what is wrong, such as `invalid size "10Q"`

	text string // the assignment as given
	err  error  // ErrUnknownProperty or ErrInvalidValue
}

func (e *PropertyError) Error() string {
	if e.err == ErrNotForScope {
		return fmt.Sprintf("property %q: %s", e.text, e.Reason)
	}
	return fmt.Sprintf("parse property %q: %s", e.text, e.Reason)
}

// Unwrap returns ErrUnknownProperty, ErrInvalidValue or ErrNotForScope.
func (e *PropertyError) Unwrap() error {
	return e.err
}

// A Property is one setting of a transient unit, such as MemoryMax=10M.
// ParseProperty makes one from systemd-run's -p syntax, and functions such
// as MemoryMax and ReadOnlyPaths make one from Go values. The zero Property
// sets nothing.
//
// Some properties reach systemd as several D-Bus properties (LimitNOFILE=
// sets the hard and the soft limit). Properties apply in order: several
// assignments of a list property such as Environment= or ReadOnlyPaths=
// add up, and an empty assignment clears what came before, as in unit
// files.
type Property struct {
	name, value string
	props       []bus.Property
	err         *PropertyError
}

// ParseProperty reads an assignment in systemd-run's -p syntax, such as
// "MemoryMax=10M" or "Environment=A=1 B=2", and converts it to the names
// and types systemd 252's systemd-run sends over D-Bus.
//
// The error is a *PropertyError that matches ErrUnknownProperty or
// ErrInvalidValue.
func ParseProperty(assignment string) (Property, error) {
	name, value, ok := strings.Cut(assignment, "=")
	if !ok {
		return Property{}, &PropertyError{Name: assignment, Reason: "not an assignment (want Name=value)",
			text: assignment, err: ErrInvalidValue}
	}

	p := parse(name, value)
	if p.err != nil {
		return Property{}, p.err
	}
	return p, nil
}

// parse converts one assignment, keeping any error in the Property.
func parse(name, value string) Property {
	props, err := property.Parse(name, value)
	if err == nil {
		return Property{name: name, value: value, props: props}
	}

	e := &PropertyError{Name: name, Value: value, Reason: err.Error(),
		text: name + "=" + value, err: ErrInvalidValue}
	switch {
	case name == "":
		e.Reason, e.err = "no property name", ErrUnknownProperty
	case errors.Is(err, property.ErrUnknown):
		e.Reason, e.err = "unknown property "+name, ErrUnknownProperty
	}
	return Property{name: name, value: value, err: e}
}

// Name returns the property's name as systemd-run spells it, such as
// "MemoryMax" or "CPUQuota".
func (p Property) Name() string {
	return p.name
}

// String returns the property as an assignment that ParseProperty reads
// back to the same property, such as "MemoryMax=10485760".
func (p Property) String() string {
	if p.name == "" {
		return ""
	}
	return p.name + "=" + p.value
}

// Err returns the *PropertyError of a Property made from an invalid Go
// value, such as ReadOnlyPaths("relative/path"), or nil. Starting a unit
// with such a Property fails with this error.
func (p Property) Err() error {
	if p.err == nil {
		return nil
	}
	return p.err
}

// busProperties returns the D-Bus form of props, in order, or the error of
// the first invalid one.
func busProperties(props ...Property) ([]bus.Property, error) {
	var out []bus.Property
	for _, p := range props {
		if p.err != nil {
			return nil, p.err
		}
		out = append(out, p.props...)
	}
	return out, nil
}
