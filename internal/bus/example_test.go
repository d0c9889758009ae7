package bus_test

import (
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

func ExampleEscapeLabel() {
	fmt.Println(bus.EscapeLabel("user@1000.service"))
	fmt.Println(bus.UnitPath("-.mount"))
	fmt.Println(bus.UnescapeLabel("dbus_2eservice"))
	// Output:
	// user_401000_2eservice
	// /org/freedesktop/systemd1/unit/_2d_2emount
	// dbus.service
}

func ExampleDecode() {
	props := map[string]dbus.Variant{
		"Id":          dbus.MakeVariant("web.service"),
		"ActiveState": dbus.MakeVariant("active"),
		"NRestarts":   dbus.MakeVariant(uint32(2)),
	}

	var unit struct {
		ID          string `dbus:"Id"`
		ActiveState string `dbus:"ActiveState"`
		NRestarts   uint32 `dbus:"NRestarts"`
		MemoryPeak  uint64 `dbus:"MemoryPeak"` // not on systemd 252
	}
	absent, err := bus.Decode(props, &unit)
	fmt.Println(unit.ID, unit.ActiveState, unit.NRestarts, absent, err)

	var wrong struct {
		NRestarts uint64 `dbus:"NRestarts"`
	}
	_, err = bus.Decode(props, &wrong)
	fmt.Println(err)
	// Output:
	// web.service active 2 [MemoryPeak] <nil>
	// property NRestarts: D-Bus type "u" does not fit Go type uint64
}
