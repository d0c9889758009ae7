package run_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// TestIntegrationCmdDaemonReexec re-executes (or reloads) systemd while a
// Cmd waits for its unit, then lets the unit end: Wait still gets the
// result, which the unit's reference kept across the re-execution. The
// unit must also survive being loaded again from its transient unit file.
func TestIntegrationCmdDaemonReexec(t *testing.T) {
	testbed.Require(t)

	for _, tt := range []struct {
		verb   string
		shared bool
	}{
		{"daemon-reexec", false},
		{"daemon-reexec", true},
		{"daemon-reload", false},
	} {
		shared := tt.shared
		t.Run(fmt.Sprintf("%s/shared=%v", tt.verb, shared), func(t *testing.T) {
			cmd := run.Command("sh", "-c", "read line; exit 5")
			if shared {
				cmd.Conn = connectRun(t)
			}
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			testbed.AwaitShow(t, cmd.Unit, "SubState", "running")

			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			testbed.Systemctl(t, tt.verb)
			_, err = io.WriteString(stdin, "go\n")
			require.NoError(t, err)

			var ee *run.ExitError
			require.ErrorAs(t, <-waited, &ee)
			assert.Equal(t, 5, ee.ExitCode())
			testbed.AwaitShow(t, cmd.Unit, "LoadState", "not-found")
		})
	}
}
