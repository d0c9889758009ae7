package watch

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gostemd/gostemd/unit"
)

func TestMissedEnd(t *testing.T) {
	runA := unit.InvocationID{1}
	runB := unit.InvocationID{2}
	var none unit.InvocationID

	for _, tc := range []struct {
		name     string
		from, to State
		missed   bool
	}{
		{"active, then a new run", State{ActiveState: unit.Active, InvocationID: runA},
			State{ActiveState: unit.Activating, InvocationID: runB}, true},
		{"reloading, then a new run", State{ActiveState: unit.Reloading, InvocationID: runA},
			State{ActiveState: unit.Active, InvocationID: runB}, true},
		{"active, then a new run already inactive", State{ActiveState: unit.Active, InvocationID: runA},
			State{ActiveState: unit.Inactive, InvocationID: runB}, true},
		{"stopping, then a new run", State{ActiveState: unit.Deactivating, InvocationID: runA},
			State{ActiveState: unit.Activating, InvocationID: runB}, false},
		{"inactive, then a new run", State{ActiveState: unit.Inactive, InvocationID: runA},
			State{ActiveState: unit.Activating, InvocationID: runB}, false},
		{"failed, then a new run", State{ActiveState: unit.Failed, InvocationID: runA},
			State{ActiveState: unit.Activating, InvocationID: runB}, false},
		{"activating, then a restart", State{ActiveState: unit.Activating, InvocationID: runA},
			State{ActiveState: unit.Activating, InvocationID: runB}, false},
		{"the same run stopping", State{ActiveState: unit.Active, InvocationID: runA},
			State{ActiveState: unit.Deactivating, InvocationID: runA}, false},
		{"no run known before", State{ActiveState: unit.Active, InvocationID: none},
			State{ActiveState: unit.Activating, InvocationID: runB}, false},
		{"no run known after", State{ActiveState: unit.Active, InvocationID: runA},
			State{ActiveState: unit.Inactive, InvocationID: none}, false},
	} {
		assert.Equal(t, tc.missed, missedEnd(tc.from, tc.to), tc.name)
	}
}
