package unit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// Interface names one of the D-Bus interfaces a unit object has, for
// reading properties by name.
type Interface string

// Interfaces of unit objects. Every unit has InterfaceUnit, and the one of
// its type. (They are spelled out here for the documentation; a test checks
// them against package bus, which owns the D-Bus names.)
const (
	InterfaceUnit      Interface = "org.freedesktop.systemd1.Unit"
	InterfaceService   Interface = "org.freedesktop.systemd1.Service"
	InterfaceSocket    Interface = "org.freedesktop.systemd1.Socket"
	InterfaceTimer     Interface = "org.freedesktop.systemd1.Timer"
	InterfaceScope     Interface = "org.freedesktop.systemd1.Scope"
	InterfaceSlice     Interface = "org.freedesktop.systemd1.Slice"
	InterfaceMount     Interface = "org.freedesktop.systemd1.Mount"
	InterfaceAutomount Interface = "org.freedesktop.systemd1.Automount"
	InterfaceSwap      Interface = "org.freedesktop.systemd1.Swap"
	InterfacePath      Interface = "org.freedesktop.systemd1.Path"
	InterfaceTarget    Interface = "org.freedesktop.systemd1.Target"
	InterfaceDevice    Interface = "org.freedesktop.systemd1.Device"
)

func (i Interface) String() string { return string(i) }

// Property reads one property by its D-Bus name, for those the typed
// structs leave out. The value is what the property holds on the wire,
// decoded: a string (object paths too), a bool, an integer of the
// property's size (uint64 for "t", int32 for "i", ...), a slice, a map, or
// []any for a D-Bus struct. A name
// the interface lacks fails with gostemd.ErrUnknownProperty (or
// gostemd.ErrInvalidArgs, depending on the systemd version).
func (u *Unit) Property(ctx context.Context, iface Interface, name string) (any, error) {
	p, err := u.objectPath(ctx)
	if err != nil {
		return nil, fmt.Errorf("read property %s of unit %s: %w", name, u.name, err)
	}

	v, err := u.c.Conn.Get(ctx, p, string(iface), name)
	if err != nil {
		return nil, fmt.Errorf("read property %s of unit %s: %w", name, u.name, err)
	}
	return plain(v.Value()), nil
}

// plain replaces the godbus types in a decoded value by Go ones: object
// paths and signatures become strings, variants their values.
func plain(value any) any {
	switch v := value.(type) {
	case dbus.Variant:
		return plain(v.Value())
	case dbus.ObjectPath:
		return string(v)
	case dbus.Signature:
		return v.String()
	case []dbus.ObjectPath:
		out := make([]string, len(v))
		for i, p := range v {
			out[i] = string(p)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	case map[string]dbus.Variant:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plain(e.Value())
		}
		return out
	}
	return value
}

// Property is a unit setting to change with SetProperties: the D-Bus
// property name and a Go value of the property's D-Bus type, such as
// uint64 for MemoryMax ("t"), bool for CPUAccounting ("b"), []string for
// Environment ("as"). A time.Duration is sent as microseconds, which is what
// properties named *USec and *Sec take; Infinity is "no limit". See
// org.freedesktop.systemd1(5) and systemd.resource-control(5).
type Property struct {
	Name  string
	Value any
}

// SetOptions say how SetProperties applies its changes. A nil *SetOptions
// is the zero value.
type SetOptions struct {
	// Runtime keeps the change until the next reboot only (a drop-in under
	// /run). False, the default, makes it persistent (a drop-in under
	// /etc), as systemctl set-property does.
	Runtime bool
}

// SetProperties changes settings of a loaded unit at runtime, as systemctl
// set-property does; systemd writes a drop-in so the change outlives a
// daemon-reload. Only some properties may be changed this way, mostly
// resource controls: others fail with gostemd.ErrInvalidArgs. To write
// settings as text ("MemoryMax=64M"), see manager.Manager.SetUnitProperties.
func (u *Unit) SetProperties(ctx context.Context, opts *SetOptions, props ...Property) error {
	runtime := opts != nil && opts.Runtime

	wire, err := wireProperties(props)
	if err != nil {
		return fmt.Errorf("set properties of unit %s: %w", u.name, err)
	}

	err = u.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.SetUnitProperties,
		u.name, runtime, wire).Err
	if err != nil {
		return fmt.Errorf("set properties of unit %s: %w", u.name, err)
	}
	return nil
}

// wireProperties checks props and turns them into D-Bus (sv) pairs.
func wireProperties(props []Property) ([]bus.Property, error) {
	if len(props) == 0 {
		return nil, errors.New("no properties")
	}

	wire := make([]bus.Property, 0, len(props))
	for _, p := range props {
		v, err := wireValue(p.Value)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", p.Name, err)
		}
		wire = append(wire, bus.Property{Name: p.Name, Value: v})
	}
	return wire, nil
}

// wireValue wraps a Go value in a variant, without the panic godbus gives
// for values that have no D-Bus type.
func wireValue(value any) (v dbus.Variant, err error) {
	switch x := value.(type) {
	case nil:
		return v, errors.New("no value")
	case time.Duration:
		if x < 0 {
			return v, fmt.Errorf("negative duration %s", x)
		}
		return dbus.MakeVariant(uint64(x / time.Microsecond)), nil
	case int:
		return v, errors.New("int has no D-Bus size: use int32, int64, uint32 or uint64")
	case uint:
		return v, errors.New("uint has no D-Bus size: use uint32 or uint64")
	}

	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%T has no D-Bus type", value)
		}
	}()
	return dbus.MakeVariant(value), nil
}
