package watch

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"

	"github.com/gostemd/gostemd/internal/bus"
)

// TestOwnSignals checks which signals a Watcher with rules of its own
// keeps: those about its units, by object path or by name, and reloads.
func TestOwnSignals(t *testing.T) {
	keep := ownSignals([]string{"a.service", "b.socket"})
	mine, theirs := bus.UnitPath("a.service"), bus.UnitPath("c.service")
	job := dbus.ObjectPath("/org/freedesktop/systemd1/job/7")

	for _, tc := range []struct {
		what          string
		iface, member string
		path          dbus.ObjectPath
		body          []any
		kept          bool
	}{
		{"its unit's change", bus.PropertiesInterface, bus.PropertiesChanged, mine, nil, true},
		{"another unit's change", bus.PropertiesInterface, bus.PropertiesChanged, theirs, nil, false},
		{"a job's change", bus.PropertiesInterface, bus.PropertiesChanged, job, nil, false},
		{"its unit loaded", bus.ManagerInterface, bus.UnitNew, bus.ManagerPath, []any{"b.socket", bus.UnitPath("b.socket")}, true},
		{"another unit loaded", bus.ManagerInterface, bus.UnitNew, bus.ManagerPath, []any{"c.service", theirs}, false},
		{"its unit unloaded", bus.ManagerInterface, bus.UnitRemoved, bus.ManagerPath, []any{"a.service", mine}, true},
		{"its unit's job", bus.ManagerInterface, bus.JobNew, bus.ManagerPath, []any{uint32(7), job, "a.service"}, true},
		{"another unit's job", bus.ManagerInterface, bus.JobRemoved, bus.ManagerPath, []any{uint32(7), job, "c.service", "done"}, false},
		{"its unit's job done", bus.ManagerInterface, bus.JobRemoved, bus.ManagerPath, []any{uint32(7), job, "a.service", "done"}, true},
		{"a reload", bus.ManagerInterface, bus.Reloading, bus.ManagerPath, []any{true}, true},
		{"a short body", bus.ManagerInterface, bus.JobNew, bus.ManagerPath, []any{uint32(7)}, false},
		{"another Manager signal", bus.ManagerInterface, "UnitFilesChanged", bus.ManagerPath, nil, false},
	} {
		sig := &dbus.Signal{Path: tc.path, Name: tc.iface + "." + tc.member, Body: tc.body}
		assert.Equal(t, tc.kept, keep(tc.iface, tc.member, sig), tc.what)
	}
}
