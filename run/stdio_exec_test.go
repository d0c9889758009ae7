package run_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// TestIntegrationCmdLargeOutput streams 10 MB through the stdout pipe.
func TestIntegrationCmdLargeOutput(t *testing.T) {
	testbed.Require(t)
	const size = 10 << 20

	out, err := run.Command("sh", "-c", "yes 0123456789abcde | head -c 10485760").Output()
	require.NoError(t, err)

	want := bytes.Repeat([]byte("0123456789abcde\n"), size/16)
	require.Len(t, out, size)
	assert.True(t, bytes.Equal(want, out), "output differs from what yes wrote")
}

// TestIntegrationCmdStdinRoundTrip sends 10 MB of random bytes through cat
// and back.
func TestIntegrationCmdStdinRoundTrip(t *testing.T) {
	testbed.Require(t)

	in := make([]byte, 10<<20)
	_, _ = rand.Read(in)

	cmd := run.Command("cat")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.True(t, bytes.Equal(in, out), "cat gave back %d bytes, not the 10 MB sent", len(out))
}

func TestIntegrationCmdStdin(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "read line; echo got $line")
	cmd.Stdin = strings.NewReader("hello\n")
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "got hello\n", string(out))
}

// TestIntegrationCmdFiles passes *os.File values as the unit's stdio: they
// reach it as file descriptors, with no goroutine in between.
func TestIntegrationCmdFiles(t *testing.T) {
	testbed.Require(t)
	dir := t.TempDir()

	in := filepath.Join(dir, "in")
	require.NoError(t, os.WriteFile(in, []byte("from a file\n"), 0o600))
	inFile, err := os.Open(in)
	require.NoError(t, err)
	defer inFile.Close()

	outFile, err := os.Create(filepath.Join(dir, "out"))
	require.NoError(t, err)
	defer outFile.Close()

	cmd := run.Command("sh", "-c", "cat; echo to stderr >&2; ls -l /proc/self/fd/0 >&2")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inFile, outFile, outFile
	require.NoError(t, cmd.Run())

	got, err := os.ReadFile(outFile.Name())
	require.NoError(t, err)
	assert.Contains(t, string(got), "from a file\nto stderr\n")
	assert.Contains(t, string(got), "-> "+in, "stdin is not the file itself")
}

func TestIntegrationCmdPipes(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "cat; echo bye >&2")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	_, err = io.WriteString(stdin, "ping\n")
	require.NoError(t, err)
	require.NoError(t, stdin.Close())

	out, err := io.ReadAll(stdout)
	require.NoError(t, err)
	errOut, err := io.ReadAll(stderr)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait())

	assert.Equal(t, "ping\n", string(out))
	assert.Equal(t, "bye\n", string(errOut))
}

// TestIntegrationCmdKeepFailedOutput checks that Wait returns when a failed
// unit stays loaded: systemd lets go of the unit's pipe when it stops, not
// when it is unloaded.
func TestIntegrationCmdKeepFailedOutput(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "echo last words; exit 1")
	cmd.KeepFailed = true
	t.Cleanup(func() { testbed.Systemctl(t, "reset-failed", cmd.Result.Unit) })
	out, err := cmd.Output()

	var ee *run.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "last words\n", string(out))
}

func TestIntegrationCmdEnvDirUser(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", `echo "$GREETING $(pwd) $(id -u) $1"`, "sh", "$HOME $$")
	cmd.Env = []string{"GREETING=hi"}
	cmd.Dir = "/usr"
	cmd.User = "nobody"
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "hi /usr 65534 $HOME $$\n", string(out))
}

// TestIntegrationCmdJournal checks where output goes when Stdout and Stderr
// are nil: to the journal, under the unit's name.
func TestIntegrationCmdJournal(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "echo to-stdout; echo to-stderr >&2")
	require.NoError(t, cmd.Run())

	out, err := exec.Command("journalctl", "--sync").CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command("journalctl", "--no-pager", "-o", "cat", "-u", cmd.Unit).Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "to-stdout\n")
	assert.Contains(t, string(out), "to-stderr\n")
}
