package run_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
)

// The unprivileged user TestIntegrationCmdUserManager runs as, and the
// variable that tells the test binary it is that run.
const (
	userName  = "gostemd-run-user"
	userID    = "4242"
	envAsUser = "GOSTEMD_RUN_AS_USER"
)

// TestIntegrationCmdUserManager runs Cmds as an unprivileged user, whose
// Cmds with no Conn go to the user's own manager. The test creates the user
// in the throwaway container, starts its manager, and runs this test binary
// again as that user.
func TestIntegrationCmdUserManager(t *testing.T) {
	if os.Getenv(envAsUser) != "" {
		runAsUser(t)
		return
	}
	if sys := testbed.Require(t); !sys.Throwaway {
		t.Skip("creates a user: runs only in a throwaway test bed")
	}

	bin := prepareUser(t)
	out, err := asUser(envAsUser+"=1", testbed.EnvMode+"=host",
		bin, "-test.run=^TestIntegrationCmdUserManager$", "-test.v").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestIntegrationCmdUserManager", "%s", out)
}

// asUser makes a command that runs as the test user, in its session's
// environment; leading NAME=value arguments add to the environment.
func asUser(args ...string) *exec.Cmd {
	cmd := exec.Command("runuser", append([]string{"-u", userName, "--", "env",
		"XDG_RUNTIME_DIR=/run/user/" + userID}, args...)...)
	cmd.Dir = "/"
	return cmd
}

// prepareUser creates the user, starts its manager and returns a copy of
// the test binary that the user can run.
func prepareUser(t *testing.T) string {
	t.Helper()
	if _, err := exec.Command("id", userName).Output(); err != nil {
		out, err := exec.Command("useradd", "-m", "-u", userID, userName).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	testbed.Systemctl(t, "start", "user@"+userID+".service")

	// The user's bus daemon starts on demand, and the user's manager joins
	// it once it runs: start it, so that the manager is on the bus before
	// the test looks for it there.
	out, err := asUser("systemctl", "--user", "start", "dbus.service").CombinedOutput()
	require.NoError(t, err, "%s", out)

	dir, err := os.MkdirTemp("/var/tmp", "gostemd-user-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))

	bin := filepath.Join(dir, "run.test")
	copyFile(t, os.Args[0], bin)
	return bin
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()

	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}

// runAsUser is the part of TestIntegrationCmdUserManager that runs as the
// unprivileged user.
func runAsUser(t *testing.T) {
	out, err := run.Command("sh", "-c", "id -u; cat /proc/self/cgroup").Output()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), userID+"\n"), "%s", out)
	assert.Contains(t, string(out), "/user@"+userID+".service/", "not in the user manager's cgroup")

	ee := exitError(t, run.Command("sh", "-c", "exit 9"))
	assert.Equal(t, 9, ee.ExitCode())

	// A scope of the user's manager, its program traced by an
	// unprivileged parent.
	cmd := run.Command("cat", "/proc/self/cgroup")
	cmd.Scope = true
	out, err = cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "/user@"+userID+".service/app.slice/"+cmd.Result.Unit+"\n")

	watchUserUnit(t)
}

// watchUserUnit follows a Cmd of the user's manager with a Watcher on that
// manager: the user's systemd sends its signals on the user's bus.
func watchUserUnit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := manager.Connect(ctx, nil)
	require.NoError(t, err)
	defer m.Close()

	name := "gostemd-user-watched.service"
	w, err := watch.Units(ctx, m, name)
	require.NoError(t, err)
	defer w.Close()
	first := <-w.Events()
	require.IsType(t, watch.Resync{}, first)

	cmd := run.Command("sh", "-c", "exit 4")
	cmd.Unit, cmd.Manager = name, m
	assert.Equal(t, 4, exitError(t, cmd).ExitCode())

	var seen []watch.Event
	for {
		select {
		case e := <-w.Events():
			seen = append(seen, e)
			if c, ok := e.(watch.Changed); ok && c.State.ActiveState == unit.Failed {
				assert.Equal(t, unit.Result("exit-code"), c.State.Result, "%#v", seen)
				assert.IsType(t, watch.Added{}, seen[0], "%#v", seen)
				return
			}
		case <-ctx.Done():
			t.Fatalf("no failed state from the user's manager: %#v", seen)
		}
	}
}
