package cgroup2test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func TestMain(m *testing.M) {
	testbed.MainWith(m, testbed.Config{Cgroup2: true})
}

// requireCgroup2 returns the system under test, which must run on the
// unified hierarchy alone: in nspawn mode the test bed boots it so.
func requireCgroup2(t *testing.T) *testbed.System {
	t.Helper()

	sys := testbed.Require(t)
	require.True(t, sys.Cgroup2, "the test bed must boot this package on cgroup2 only")
	return sys
}

func startUnit(t *testing.T, name, content string) (*unit.Unit, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)

	testbed.WriteUnit(t, name, content)
	m, err := manager.Connect(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })

	u, err := m.LoadUnit(ctx, name)
	require.NoError(t, err)
	job, err := u.Start(ctx, "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))
	return u, ctx
}

func TestIntegrationFreezeThaw(t *testing.T) {
	requireCgroup2(t)
	u, ctx := startUnit(t, "gostemd-freeze.service", "[Service]\nExecStart=/bin/sleep 1000\n")

	props, err := u.Properties(ctx)
	require.NoError(t, err)
	require.True(t, props.CanFreeze, "a running service can be frozen on cgroup2")

	require.NoError(t, u.Freeze(ctx))
	assert.Equal(t, "frozen", testbed.Show(t, u.Name(), "FreezerState"))
	assert.Equal(t, "1", cgroupFile(t, u, "cgroup.freeze"), "the kernel's freezer is on")

	require.NoError(t, u.Thaw(ctx))
	assert.Equal(t, "running", testbed.Show(t, u.Name(), "FreezerState"))
	assert.Equal(t, "0", cgroupFile(t, u, "cgroup.freeze"))
}

// cgroupFile reads a file of the unit's own cgroup, to check what the kernel
// was told rather than what systemd says.
func cgroupFile(t *testing.T, u *unit.Unit, file string) string {
	t.Helper()

	cg := testbed.Show(t, u.Name(), "ControlGroup")
	require.NotEmpty(t, cg)

	data, err := os.ReadFile("/sys/fs/cgroup" + cg + "/" + file)
	require.NoError(t, err)
	return strings.TrimSpace(string(data))
}

// A busy loop of about half a second must show as CPU time in the typed
// Service properties, within what the loop could have used.
func TestIntegrationCPUUsage(t *testing.T) {
	requireCgroup2(t)
	u, ctx := startUnit(t, "gostemd-cpu.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\n"+
		"CPUAccounting=yes\nExecStart=/usr/bin/timeout 0.5 /bin/sh -c 'while :; do :; done'\n"+
		"SuccessExitStatus=124\n")

	svc, err := u.Service(ctx)
	require.NoError(t, err)
	require.NotNil(t, svc.Accounting.CPUUsage, "CPUUsageNSec is known on cgroup2")

	used := *svc.Accounting.CPUUsage
	assert.Greater(t, used, 20*time.Millisecond, "the loop ran")
	assert.Less(t, used, 2*time.Second, "half a second of looping on one thread")
}

// MemoryPeak exists from systemd 255 on; before, the typed read reports it
// absent instead of failing. It is read while the service still runs: once
// its cgroup is gone, systemd no longer knows the peak.
func TestIntegrationMemoryPeak(t *testing.T) {
	sys := requireCgroup2(t)
	done := t.TempDir() + "/allocated"
	u, ctx := startUnit(t, "gostemd-peak.service", "[Service]\nMemoryAccounting=yes\n"+
		"ExecStart=/bin/sh -c 'x=$(head -c 20000000 /dev/zero | tr \"\\\\0\" a); "+
		"echo ${#x} > "+done+"; sleep 1000'\n")
	require.Eventually(t, func() bool { _, err := os.Stat(done); return err == nil },
		20*time.Second, 10*time.Millisecond, "the service allocated its 20 MB")

	svc, err := u.Service(ctx)
	require.NoError(t, err)

	if sys.Major() < 255 {
		assert.Contains(t, svc.Absent, "MemoryPeak")
		assert.Nil(t, svc.Accounting.MemoryPeak)
		return
	}
	require.False(t, slices.Contains(svc.Absent, "MemoryPeak"))

	if !hasController(t, "memory") {
		// Hybrid hosts keep the memory controller in cgroup v1, so no
		// cgroup2 group has memory.peak: systemd reports the peak as
		// unknown (UINT64_MAX), which the typed read must give as nil.
		assert.Nil(t, svc.Accounting.MemoryPeak)
		return
	}
	require.NotNil(t, svc.Accounting.MemoryPeak)
	assert.Greater(t, *svc.Accounting.MemoryPeak, uint64(20_000_000), "a 20 MB string was held")
}

// hasController reports whether the cgroup2 hierarchy offers a controller.
func hasController(t *testing.T, name string) bool {
	t.Helper()

	data, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
	require.NoError(t, err)
	return slices.Contains(strings.Fields(string(data)), name)
}
