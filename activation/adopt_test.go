package activation_test

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// runReport starts the report helper with files at descriptors 3 and up, as
// systemd passes them, and the given LISTEN_* variables.
func runReport(t *testing.T, files []*os.File, env ...string) string {
	t.Helper()

	argv := testbed.HelperCommand("report")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles = files
	// Without the race detector's one-second pause at exit.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)

	out, err := cmd.Output()
	require.NoError(t, err, "report: %s", out)
	return strings.TrimSpace(string(out))
}

func listenerFile(t *testing.T, network string) *os.File {
	t.Helper()

	var f *os.File
	var err error
	switch network {
	case "tcp":
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, lerr)
		defer ln.Close()
		f, err = ln.(*net.TCPListener).File()
	case "udp":
		pc, lerr := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, lerr)
		defer pc.Close()
		f, err = pc.(*net.UDPConn).File()
	}
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestAdoptPassedDescriptors runs the whole of Adopt in a child process that
// receives descriptors at 3 and 4 the way systemd passes them.
func TestAdoptPassedDescriptors(t *testing.T) {
	files := []*os.File{listenerFile(t, "tcp"), listenerFile(t, "udp")}

	out := runReport(t, files, envSelfPID+"=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=web:dns")

	assert.Equal(t, "names=dns,web cloexec=true env=false", out)
}

func TestAdoptUnnamedDescriptors(t *testing.T) {
	files := []*os.File{listenerFile(t, "tcp")}

	out := runReport(t, files, envSelfPID+"=1", "LISTEN_FDS=1")

	assert.Equal(t, "names=unknown cloexec=true env=false", out)
}

func TestAdoptIgnoresOtherProcess(t *testing.T) {
	files := []*os.File{listenerFile(t, "tcp")}

	out := runReport(t, files, "LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=web")

	assert.Equal(t, "names= cloexec=true env=false", out)
}

func TestAdoptReportsClosedDescriptor(t *testing.T) {
	argv := testbed.HelperCommand("report")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), envSelfPID+"=1", "LISTEN_FDS=40")

	out, err := cmd.Output()

	require.Error(t, err)
	assert.Regexp(t, `adopt file descriptors: fd \d+ \(of LISTEN_FDS=40\): fcntl: bad file descriptor`,
		string(out))
}
