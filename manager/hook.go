package manager

import (
	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/unit"
)

func init() {
	client.OfManager = func(m any) *client.Client { return m.(*Manager).c }
}

// newUnit makes a unit handle through the constructor package unit
// registers. An empty path makes a handle for calls by name, which reads
// the path when it needs it.
func newUnit(m *Manager, name string, path dbus.ObjectPath) *unit.Unit {
	return client.NewUnit(m.c, name, path).(*unit.Unit)
}
