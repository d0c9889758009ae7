package sdnotify_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/sdnotify"
)

// writeService writes a service whose ExecStart is the named helper of this
// test binary, with extra lines for the [Service] section.
func writeService(t *testing.T, unit string, settings string, helper string, args ...string) {
	t.Helper()

	testbed.WriteUnit(t, unit, "[Service]\n"+settings+"\n"+
		"ExecStart="+strings.Join(testbed.HelperCommand(helper, args...), " ")+"\n")
}

// waitFor polls a unit property until it has the wanted value.
func touch(t *testing.T, path string) {
	t.Helper()

	require.NoError(t, os.WriteFile(path, nil, 0o644))
}

func TestIntegrationBooted(t *testing.T) {
	testbed.Require(t)

	booted, err := sdnotify.Booted()

	require.NoError(t, err)
	assert.True(t, booted)
}

// A Type=notify service is active only once it says READY=1, and its STATUS=
// and ERRNO= show on the unit meanwhile. Its start timeout of one second is
// outlived thanks to EXTEND_TIMEOUT_USEC=.
func TestIntegrationReady(t *testing.T) {
	testbed.Require(t)
	const unit = "gostemd-notify-ready.service"
	gate := filepath.Join(t.TempDir(), "gate")
	writeService(t, unit, "Type=notify\nTimeoutStartSec=1s", "ready", gate)

	testbed.Systemctl(t, "start", "--no-block", unit)
	testbed.AwaitShow(t, unit, "StatusText", "waiting for gate")
	assert.Equal(t, "2", testbed.Show(t, unit, "StatusErrno"))

	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, "activating", testbed.Show(t, unit, "ActiveState"),
		"active before READY=1, or failed despite EXTEND_TIMEOUT_USEC=")

	touch(t, gate)
	testbed.AwaitShow(t, unit, "ActiveState", "active")
	assert.Equal(t, "ready", testbed.Show(t, unit, "StatusText"))
}

func TestIntegrationReload(t *testing.T) {
	sys := testbed.Require(t)
	dir := t.TempDir()
	begin, end := filepath.Join(dir, "begin"), filepath.Join(dir, "end")

	t.Run("notify-reload", func(t *testing.T) {
		if v := sys.Major(); v < 253 {
			t.Skipf("Type=notify-reload needs systemd 253, this is %s", sys.Version)
		}
		testNotifyReload(t, begin, end)
	})

	t.Run("notify with RELOADING=1", func(t *testing.T) {
		testReloadingByNotify(t, begin, end)
	})
}

// testNotifyReload checks that systemctl reload of a Type=notify-reload
// service returns only after the service has sent RELOADING=1 with its
// MONOTONIC_USEC= and then READY=1.
func testNotifyReload(t *testing.T, begin, end string) {
	const unit = "gostemd-notify-reload.service"
	writeService(t, unit, "Type=notify-reload", "reload", begin, end)
	testbed.Systemctl(t, "start", unit)

	touch(t, begin)
	done := make(chan error, 1)
	go func() { done <- exec.Command("systemctl", "reload", unit).Run() }()
	testbed.AwaitShow(t, unit, "StatusText", "reloading")

	select {
	case err := <-done:
		t.Fatalf("systemctl reload returned before READY=1: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	assert.Equal(t, "reloading", testbed.Show(t, unit, "ActiveState"))

	touch(t, end)
	require.NoError(t, <-done)
	assert.Equal(t, "active", testbed.Show(t, unit, "ActiveState"))
	assert.Equal(t, "reloaded 1", testbed.Show(t, unit, "StatusText"))
}

// testReloadingByNotify checks, on any systemd, that RELOADING=1 puts a
// running Type=notify service into "reloading" and READY=1 takes it back to
// "active". The reload is asked for with ExecReload= signalling the service;
// the service sends RELOADING=1 only once that reload job is over, because
// systemd before 253 does not follow the service's own reload while its
// ExecReload= still runs.
func testReloadingByNotify(t *testing.T, begin, end string) {
	const unit = "gostemd-notify-reloading.service"
	// The shell's kill: a minimal root tree may have no /bin/kill.
	writeService(t, unit, `Type=notify
ExecReload=/bin/sh -c 'kill -HUP "$MAINPID"'`, "reload", begin, end)
	testbed.Systemctl(t, "start", unit)

	testbed.Systemctl(t, "reload", unit)
	touch(t, begin)
	testbed.AwaitShow(t, unit, "ActiveState", "reloading")
	assert.Equal(t, "reloading", testbed.Show(t, unit, "StatusText"))

	touch(t, end)
	testbed.AwaitShow(t, unit, "ActiveState", "active")
	assert.Equal(t, "reloaded 1", testbed.Show(t, unit, "StatusText"))
}

// A service that stops pinging its watchdog is killed, with result
// "watchdog", and restarted.
func TestIntegrationWatchdog(t *testing.T) {
	testbed.Require(t)
	const unit = "gostemd-notify-watchdog.service"
	gate := filepath.Join(t.TempDir(), "stop-pinging")
	writeService(t, unit, "Type=notify\nWatchdogSec=1s\nRestart=on-watchdog\nRestartSec=2s\nLimitCORE=0",
		"watchdog", gate)

	testbed.Systemctl(t, "start", unit)
	time.Sleep(2500 * time.Millisecond)
	require.Equal(t, "active", testbed.Show(t, unit, "ActiveState"), "killed while pinging")
	require.Equal(t, "0", testbed.Show(t, unit, "NRestarts"))
	firstPID := testbed.Show(t, unit, "MainPID")

	touch(t, gate)
	testbed.AwaitShow(t, unit, "Result", "watchdog")
	testbed.AwaitShow(t, unit, "NRestarts", "1")
	testbed.AwaitShow(t, unit, "ActiveState", "active")
	assert.NotEqual(t, firstPID, testbed.Show(t, unit, "MainPID"))
}

// Descriptors stored with FDSTORE=1 come back after a restart, are adopted
// by name through the activation package, and still work: the memory file
// keeps what the first process wrote, and the listening socket still
// accepts at its path. FDSTOREREMOVE=1 takes one out of the store.
func TestIntegrationFDStore(t *testing.T) {
	testbed.Require(t)
	const unit = "gostemd-notify-fdstore.service"
	sock := "/run/gostemd-notify-fdstore.sock"
	t.Cleanup(func() { os.Remove(sock) })
	writeService(t, unit, "Type=notify\nFileDescriptorStoreMax=4", "fdstore", sock)

	testbed.Systemctl(t, "start", unit)
	pid := testbed.Show(t, unit, "MainPID")
	first := testbed.Ask(t, "unix", sock)
	assert.Equal(t, `state=created listener=created content="written by pid `+pid+`"`, first)
	assert.Equal(t, "2", testbed.Show(t, unit, "NFileDescriptorStore"))

	testbed.Systemctl(t, "restart", unit)
	require.NotEqual(t, pid, testbed.Show(t, unit, "MainPID"))
	again := testbed.Ask(t, "unix", sock)
	assert.Equal(t, `state=adopted listener=adopted content="written by pid `+pid+`"`, again)

	testbed.Systemctl(t, "kill", "-s", "HUP", unit)
	testbed.AwaitShow(t, unit, "StatusText", "removed state")
	testbed.AwaitShow(t, unit, "NFileDescriptorStore", "1")
}

// BARRIER=1 returns only once systemd has processed what was sent before it:
// the service reads its own StatusText back after each barrier.
func TestIntegrationBarrier(t *testing.T) {
	testbed.Require(t)
	const unit = "gostemd-notify-barrier.service"
	writeService(t, unit, "Type=notify", "barrier", unit)

	testbed.Systemctl(t, "start", unit)

	testbed.AwaitShow(t, unit, "StatusText", "barriers held 20 times")
}
