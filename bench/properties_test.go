package bench

import (
	"context"
	"io"
	"os/exec"
	"testing"

	gsd "github.com/coreos/go-systemd/v22/dbus"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
)

// propertiesUnit is a service that runs in every booted container.
const propertiesUnit = "systemd-journald.service"

// BenchmarkProperties reads every property of a running service, those of
// the Unit interface and those of the Service interface: gostemd's typed
// structs (from a held handle, read interface by interface or both at once
// with Snapshot, and from the name with Show, which loads the unit),
// go-systemd's maps, and systemctl show (a process per read).
func BenchmarkProperties(b *testing.B) {
	testbed.Require(b)
	ctx := context.Background()

	b.Run("gostemd/Properties+Service", func(b *testing.B) {
		m := connectManager(b)
		u, err := m.LoadUnit(ctx, propertiesUnit)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()

		for b.Loop() {
			if _, err := u.Properties(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := u.Service(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("gostemd/Snapshot", func(b *testing.B) {
		m := connectManager(b)
		u, err := m.LoadUnit(ctx, propertiesUnit)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()

		for b.Loop() {
			if _, err := u.Snapshot(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("gostemd/Show", func(b *testing.B) {
		m := connectManager(b)
		b.ReportAllocs()

		for b.Loop() {
			if _, err := m.Show(ctx, propertiesUnit); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("go-systemd/GetUnitProperties+GetUnitTypeProperties", func(b *testing.B) {
		conn, err := gsd.NewSystemConnectionContext(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		b.ReportAllocs()

		for b.Loop() {
			if _, err := conn.GetUnitPropertiesContext(ctx, propertiesUnit); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.GetUnitTypePropertiesContext(ctx, propertiesUnit, "Service"); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("systemctl-show", func(b *testing.B) {
		b.ReportAllocs()

		for b.Loop() {
			cmd := exec.Command("systemctl", "show", propertiesUnit)
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func connectManager(b *testing.B) *manager.Manager {
	b.Helper()
	m, err := manager.Connect(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}
