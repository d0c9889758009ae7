package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// systemd starts the service as this test binary, in the helper called
// "service".
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Helper{Name: "service", Run: func([]string) int { return service() }})
}

func TestNotifyReadyStatusWatchdog(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, &out, testbed.HelperCommand("service"))
	t.Log("\n" + out.String())
	require.NoError(t, err)
	text := out.String()

	setup, rest, ok := strings.Cut(text, "sent SIGUSR1")
	require.True(t, ok, "SIGUSR1 never sent")
	ready, killed, ok := strings.Cut(rest, "sent SIGUSR2")
	require.True(t, ok, "SIGUSR2 never sent")

	// Before READY=1: activating, with the start job pending.
	execStart := execLine(testbed.HelperCommand("service"))
	assert.Contains(t, setup, "    Type=notify\n    ExecStart="+execStart+"\n    WatchdogSec=4s\n")
	assert.Contains(t, setup, `status: "setting up (send SIGUSR1 to finish)"`)
	assert.Regexp(t,
		`unit: +activating \(start\), main PID \d+; start job still waiting for READY=1`, setup)

	// After it: the job is done and the unit active, with a new status.
	assert.Contains(t, ready, "start job: done\n")
	assert.Regexp(t, `unit: +active \(running\), main PID \d+\n`, ready)
	assert.Contains(t, ready, `status: "ready; pinging the watchdog every 2s"`)
	assert.Contains(t, ready, "systemd expects a watchdog ping every 4s\n")

	// Without pings: killed by the watchdog.
	assert.Contains(t, killed, `status: "stuck on purpose: no more watchdog pings"`)
	assert.Contains(t, killed, "no ping for 4s, so systemd killed it:")
	assert.Regexp(t, `unit: +failed \(failed\), result watchdog\n`, killed)
	assert.Regexp(t, `main process \d+: (exited with status|killed by|dumped by) `, killed)

	_, err = os.Stat(unitDir + "/" + unitName)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, "inactive", testbed.Show(t, unitName, "ActiveState"), "failed state not reset")
}
