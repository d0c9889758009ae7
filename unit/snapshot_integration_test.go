package unit_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

// A Snapshot holds what Properties and the type's own reader return, read
// at once, with only its type's field set.
func TestIntegrationSnapshotService(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	u := loadUnit(t, m, "gostemd-snapshot.service",
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'exit 0'\n"+
			"TimeoutStartSec=42\nMemoryMax=50M\n")
	run(t)(u.Start(ctx, ""))

	s, err := u.Snapshot(ctx)
	require.NoError(t, err)
	props, err := u.Properties(ctx)
	require.NoError(t, err)
	svc, err := u.Service(ctx)
	require.NoError(t, err)

	assert.Equal(t, "gostemd-snapshot.service", s.Unit.ID)
	assert.Equal(t, unit.Active, s.Unit.ActiveState)
	assert.Equal(t, props.InvocationID, s.Unit.InvocationID)
	assert.Equal(t, props.ActiveEnter, s.Unit.ActiveEnter)
	assert.Equal(t, props.Absent, s.Unit.Absent)

	require.NotNil(t, s.Service)
	assert.Equal(t, 42*time.Second, s.Service.TimeoutStart)
	assert.Equal(t, svc.ExecStart, s.Service.ExecStart)
	assert.Equal(t, "/bin/sh", s.Service.ExecStart[0].Path)
	assert.Equal(t, svc.CGroup.MemoryMax, s.Service.CGroup.MemoryMax)
	assert.Equal(t, svc.Absent, s.Service.Absent)
	assert.Nil(t, s.Socket)
	assert.Nil(t, s.Timer)
	assert.Nil(t, s.Scope)
	assert.Nil(t, s.Slice)
	assert.Nil(t, s.Mount)
	assert.Nil(t, s.Path)
}

// Each type with typed properties fills its own field; the others only
// Unit.
func TestIntegrationSnapshotTypes(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	self, err := m.UnitByPID(ctx, uint32(os.Getpid()))
	require.NoError(t, err)
	tests := []struct {
		name  string
		typed bool // whether its type has typed properties
		set   func(*unit.Snapshot) bool
	}{
		{"dbus.socket", true, func(s *unit.Snapshot) bool { return s.Socket != nil && len(s.Socket.Listen) > 0 }},
		{"system.slice", true, func(s *unit.Snapshot) bool {
			return s.Slice != nil && s.Slice.CGroup.ControlGroup == "/system.slice"
		}},
		{"-.mount", true, func(s *unit.Snapshot) bool { return s.Mount != nil && s.Mount.Where == "/" }},
		{self.Name(), true, func(s *unit.Snapshot) bool {
			return s.Scope != nil && s.Scope.Result == unit.ResultSuccess
		}},
		{"basic.target", false, func(s *unit.Snapshot) bool { return s.Unit.ActiveState == unit.Active }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := m.Unit(ctx, tt.name)
			require.NoError(t, err)
			s, err := u.Snapshot(ctx)
			require.NoError(t, err)

			assert.Equal(t, tt.name, s.Unit.ID)
			assert.True(t, tt.set(s), "%+v", s)
			want := 0
			if tt.typed {
				want = 1
			}
			assert.Equal(t, want, typedFields(s), "type fields set")
		})
	}
}

// typedFields counts the type fields set in s.
func typedFields(s *unit.Snapshot) int {
	n := 0
	for _, set := range []bool{s.Service != nil, s.Socket != nil, s.Timer != nil, s.Scope != nil,
		s.Slice != nil, s.Mount != nil, s.Path != nil} {
		if set {
			n++
		}
	}
	return n
}

// Snapshots taken while systemd re-executes, over the private socket whose
// connection drops each time, are read again and succeed.
func TestIntegrationSnapshotSurvivesReexec(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m, err := manager.Connect(ctx, &manager.Options{Private: true})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })

	u := loadUnit(t, m, "gostemd-snapshot-reexec.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	stop := make(chan struct{})
	result := make(chan error, 1)
	reads := 0
	go func() {
		for {
			select {
			case <-stop:
				result <- nil
				return
			default:
			}
			s, err := u.Snapshot(ctx)
			if err != nil {
				result <- err
				return
			}
			if s.Service == nil || s.Unit.ID != u.Name() {
				result <- fmt.Errorf("snapshot %d: %+v", reads, s)
				return
			}
			reads++
		}
	}()

	for range 3 {
		testbed.Systemctl(t, "daemon-reexec")
	}
	close(stop)
	require.NoError(t, <-result)
	assert.Positive(t, reads)
}
