package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestInspectFindsTheDaemonAndKillsAll(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out))
	text := out.String()
	t.Log(text)

	m := regexp.MustCompile(`started (run-gostemd-[0-9a-f]+\.service), running:[\s\S]*` +
		`the script says: main process (\d+), daemon (\d+)\n`).FindStringSubmatch(text)
	require.NotNil(t, m, "no PIDs from the script")
	name, mainPID, daemon := m[1], m[2], m[3]

	// systemd's MainPID is the shell that became sleep 1000, and its list
	// holds the double-forked daemon too, adopted by PID 1.
	assert.Contains(t, text, "systemd says: MainPID "+mainPID+" (a uint32 read over D-Bus)\n")
	assert.Regexp(t, `\n  `+mainPID+` +1 +sleep 1000\n`, text)
	assert.Regexp(t, `\n  `+daemon+` +1 +sleep 1001\n`, text)
	assert.Contains(t, text, "the daemon "+daemon+" is no child of the main process "+mainPID+
		": its parent is 1")

	// One Kill took both, and the unit is gone from the system.
	assert.Contains(t, text, `Cmd.Wait returned *run.ExitError "signal: killed"`)
	assert.Contains(t, text, "processes in the unit's cgroup now: 0\n")
	assert.Contains(t, text, "main process "+mainPID+": gone (kill -0: no such process)\n")
	assert.Contains(t, text, "daemon process "+daemon+": gone (kill -0: no such process)\n")
	assert.NotContains(t, testbed.Systemctl(t, "list-units", "--all", "--no-legend", name), name,
		"the failed unit was not reset")
}
