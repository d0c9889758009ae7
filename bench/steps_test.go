package bench

import (
	"context"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/testbed"
)

// BenchmarkRunSteps times, with raw godbus, each kind of call a run-to-exit
// client may make beyond the floor's single StartTransientUnit, so that the
// gap between a client and the floor can be read as a sum of calls. The unit
// read is journald's service, loaded and running in every container; a
// finished transient service has the same interfaces.
func BenchmarkRunSteps(b *testing.B) {
	testbed.Require(b)
	ctx := context.Background()
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	mgr := conn.Object(systemdName, systemdPath)
	path := unitObjectPath(propertiesUnit)
	obj := conn.Object(systemdName, path)

	b.Run("AddMatch+RemoveMatch-per-unit", func(b *testing.B) {
		opts := []dbus.MatchOption{
			dbus.WithMatchObjectPath(path),
			dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
			dbus.WithMatchMember("PropertiesChanged"),
		}
		for b.Loop() {
			if err := conn.AddMatchSignalContext(ctx, opts...); err != nil {
				b.Fatal(err)
			}
			if err := conn.RemoveMatchSignalContext(ctx, opts...); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("GetUnit-round-trip", func(b *testing.B) {
		for b.Loop() {
			var p dbus.ObjectPath
			if err := mgr.CallWithContext(ctx, managerIface+".GetUnit", 0, propertiesUnit).Store(&p); err != nil {
				b.Fatal(err)
			}
		}
	})

	for _, iface := range []string{unitIface, ""} {
		name := "GetAll-Unit-interface"
		if iface == "" {
			name = "GetAll-all-interfaces"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var all map[string]dbus.Variant
				err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, iface).Store(&all)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
