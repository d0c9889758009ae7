package run_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

func TestIntegrationCmdPTY(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", `read line; echo "got $line"; tty; test -t 2 && echo "$TERM"`)
	cmd.PTY = true
	cmd.Env = []string{"TERM=xterm-gostemd"}
	cmd.Stdin = strings.NewReader("hello\n")
	out, err := cmd.Output()
	require.NoError(t, err)

	lines := strings.Split(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n")
	assert.Contains(t, lines, "got hello", "%q", out)
	assert.Contains(t, lines, "xterm-gostemd", "%q", out)
	assert.Contains(t, string(out), "/dev/pts/", "%q", out)
}

// TestIntegrationCmdPTYDiscard checks that a unit writing much to a
// terminal whose output nobody wants still ends.
func TestIntegrationCmdPTYDiscard(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x")
	cmd.PTY = true
	require.NoError(t, cmd.Run())
}
