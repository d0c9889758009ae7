package hostcheck

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// Roles this test binary can play when started again by a test.
const (
	envRole    = "GOSTEMD_HOSTCHECK_ROLE"
	roleOwner  = "owner"  // boots a container, prints its name, then sleeps
	roleParent = "parent" // starts an owner and sleeps, like go test would
)

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case roleOwner:
		os.Exit(owner())
	case roleParent:
		os.Exit(parent())
	}
	os.Exit(m.Run())
}

func owner() int {
	c, err := testbed.Boot(context.Background(), testbed.Options{})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("booted", c.Name, c.Leader)
	time.Sleep(time.Hour)
	return 0
}

func parent() int {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRole+"="+roleOwner)
	cmd.Stdout = os.Stdout
	if err := cmd.Start(); err != nil {
		return 1
	}
	fmt.Println("owner", cmd.Process.Pid)
	time.Sleep(time.Hour)
	return 0
}

// requireBootable skips when this host cannot boot containers, except under
// CI, where the test bed must work.
func requireBootable(t *testing.T) {
	t.Helper()

	if os.Getenv(testbed.EnvMode) == "host" {
		t.Skip("GOSTEMD_SYSTEMD=host: the test bed boots nothing")
	}
	err := testbed.CanBoot()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the test bed must boot under CI: %v", err)
	}
	t.Skip(err)
}

func TestBootAndStopLeaveNothing(t *testing.T) {
	requireBootable(t)

	c, err := testbed.Boot(context.Background(), testbed.Options{})
	require.NoError(t, err)
	name, leader := c.Name, c.Leader

	out, err := c.Command("/", "systemctl", "is-system-running").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `^(running|degraded)\n$`, string(out))

	require.NoError(t, c.Stop())
	assertGone(t, name, leader)
	require.NoError(t, c.Stop(), "a second Stop is harmless")
}

// SIGKILL of the booting process runs none of its deferred cleanup; the
// watchdog must notice the closed pipe and remove the container.
// TestBootRefusesDirectoriesEmptiedAtBoot asks for a bind of /var/tmp,
// which Boot must refuse before it starts anything. It stands for /tmp,
// which the container's systemd would empty through the bind, but which a
// regression here must not cost the host: Debian's systemd only ages files
// out of /var/tmp, never at boot. The unit tests cover the whole list.
func TestBootRefusesDirectoriesEmptiedAtBoot(t *testing.T) {
	requireBootable(t)

	c, err := testbed.Boot(context.Background(), testbed.Options{Binds: []string{"/var/tmp"}})
	if err == nil {
		c.Stop()
	}
	require.ErrorIs(t, err, testbed.ErrUnsafeBind)
	assert.Contains(t, err.Error(), "/var/tmp")
}

func TestWatchdogCleansUpAfterKilledOwner(t *testing.T) {
	requireBootable(t)

	cmd, lines := startRole(t, roleOwner)
	name, leader := readBooted(t, lines)

	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()

	assertGone(t, name, leader)
}

// SIGKILL of the owner's parent (go test) leaves the owner running, hung or
// not; the watchdog must still remove the container.
func TestWatchdogCleansUpAfterKilledParent(t *testing.T) {
	requireBootable(t)

	cmd, lines := startRole(t, roleParent)
	ownerPID := readOwnerPID(t, lines)
	t.Cleanup(func() { syscall.Kill(ownerPID, syscall.SIGKILL) })
	name, leader := readBooted(t, lines)

	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()

	assertGone(t, name, leader)
}

func startRole(t *testing.T, role string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRole+"="+role)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	return cmd, bufio.NewScanner(out)
}

func readOwnerPID(t *testing.T, lines *bufio.Scanner) int {
	t.Helper()

	require.True(t, lines.Scan(), "owner line")
	var pid int
	_, err := fmt.Sscanf(lines.Text(), "owner %d", &pid)
	require.NoError(t, err, "line %q", lines.Text())
	return pid
}

func readBooted(t *testing.T, lines *bufio.Scanner) (string, int) {
	t.Helper()

	require.True(t, lines.Scan(), "booted line")
	var name string
	var leader int
	_, err := fmt.Sscanf(lines.Text(), "booted %s %d", &name, &leader)
	require.NoError(t, err, "line %q", lines.Text())
	require.NoError(t, syscall.Kill(leader, 0), "the container runs before the kill")
	return name, leader
}

// assertGone waits for the container's leader, cgroups and nspawn state to
// disappear, as Stop or the watchdog must make them.
func assertGone(t *testing.T, name string, leader int) {
	t.Helper()

	assert.Eventually(t, func() bool { return len(leftovers(name, leader)) == 0 },
		20*time.Second, 50*time.Millisecond, "left behind: %v", leftovers(name, leader))
}

func leftovers(name string, leader int) []string {
	var left []string
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", leader)); err == nil &&
		strings.Contains(string(data), "systemd") {
		left = append(left, "process "+strconv.Itoa(leader))
	}
	matches, _ := filepath.Glob("/run/systemd/nspawn/*/" + name)
	left = append(left, matches...)
	return append(left, cgroupsNamed(name)...)
}

func cgroupsNamed(name string) []string {
	var found []string
	filepath.WalkDir("/sys/fs/cgroup", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == name {
			found = append(found, path)
			return filepath.SkipDir
		}
		return nil
	})
	return found
}
