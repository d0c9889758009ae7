package watch

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gostemd/gostemd/internal/bus"
)

// TestSignalledTold checks when the changes a unit signalled while the
// Watcher looked for it carry its whole State but LoadState: a change of
// the Unit interface, and of the type's interface for a type that has
// State there.
func TestSignalledTold(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ifaces []string
		told   bool
	}{
		{"a.service", nil, false},
		{"a.service", []string{bus.UnitInterface}, false},
		{"a.service", []string{bus.ServiceInterface}, false},
		{"a.service", []string{bus.ServiceInterface, bus.UnitInterface}, true},
		{"a.socket", []string{bus.SocketInterface, bus.UnitInterface}, true},
		{"a.target", []string{bus.UnitInterface}, true},
		{"a.slice", []string{bus.UnitInterface}, true},
		{"a.target", nil, false},
	} {
		var s signalled
		for _, iface := range tc.ifaces {
			s.note(iface)
		}
		assert.Equal(t, tc.told, s.told(tc.name), "%s after %v", tc.name, tc.ifaces)
	}
}
