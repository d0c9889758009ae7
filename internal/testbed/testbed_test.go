package testbed_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Helper{Name: "hog", Run: hog})
}

// hog allocates and touches 200 MB, which a 10 MB memory limit must stop.
func hog(args []string) int {
	b := make([]byte, 200<<20)
	for i := range b {
		if i%4096 == 0 {
			b[i] = 1
		}
	}
	return int(b[len(b)-4096])
}

func TestRequireReportsTheSystem(t *testing.T) {
	sys := testbed.Require(t)

	assert.NotEmpty(t, sys.Version)
	if os.Getenv(testbed.EnvMode) != "host" {
		assert.True(t, sys.Throwaway)
		assert.Equal(t, os.Getenv("GOSTEMD_TESTBED_INSIDE"), sys.Container)
	}
}

// The test process must be seen by systemd under its own PID, in a scope of
// its own, or PIDs returned by the manager would not match the tests'.
func TestPIDsMatch(t *testing.T) {
	testbed.Require(t)

	out := testbed.Systemctl(t, "status", "--no-pager", "--lines=0", strconv.Itoa(os.Getpid()))
	assert.Regexp(t, `run-\S+\.scope`, strings.SplitN(out, "\n", 2)[0])
}

func TestMemoryLimitIsEnforced(t *testing.T) {
	testbed.Require(t)

	args := append([]string{"--wait", "-p", "MemoryMax=10M", "-p", "MemorySwapMax=0"},
		testbed.HelperCommand("hog")...)
	out, err := exec.Command("systemd-run", args...).CombinedOutput()

	require.Error(t, err, "a 200 MB allocation under MemoryMax=10M must not succeed")
	// cgroup v1 reports the OOM kill as a plain SIGKILL, cgroup v2 as oom-kill.
	assert.Regexp(t, `Finished with result: (signal|oom-kill)`, string(out))
}

func TestTasksLimitIsEnforced(t *testing.T) {
	testbed.Require(t)

	out, err := exec.Command("systemd-run", "--wait", "--pipe", "-p", "TasksMax=3",
		"/bin/sh", "-c", "sleep 2 & sleep 2 & sleep 2 & sleep 2 & wait").CombinedOutput()

	require.Error(t, err, "four children under TasksMax=3 must not all start")
	assert.Contains(t, string(out), "fork")
}

// A busy loop under CPUQuota=20% for two seconds gets about 0.4 s of CPU;
// without the quota it gets nearly 2 s. The shell's times builtin reports
// the CPU time of its waited-for descendants, so the measure comes from the
// kernel, not from systemd's accounting (which cgroup v1 cannot give here).
func TestCPUQuotaIsEnforced(t *testing.T) {
	testbed.Require(t)

	out, err := exec.Command("systemd-run", "--wait", "--pipe", "--quiet", "-p", "CPUQuota=20%",
		"/bin/sh", "-c", `timeout 2 sh -c "while :; do :; done"; times`).CombinedOutput()
	require.NoError(t, err, "%s", out)

	used := childrenUserTime(t, string(out))
	assert.Greater(t, used, 0.05, "the loop must have run")
	assert.Less(t, used, 0.6, "CPUQuota=20%% of 2 s allows about 0.4 s, not %.2f s", used)
}

// childrenUserTime reads the user time of children from the output of the
// POSIX shell's times builtin: a line for the shell, then one for its
// children, each "user system" as in "0m0.410000s 0m0.000000s".
func childrenUserTime(t *testing.T, out string) float64 {
	t.Helper()

	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 2, "times output: %q", out)
	var minutes int
	var seconds float64
	_, err := fmt.Sscanf(lines[len(lines)-1], "%dm%fs", &minutes, &seconds)
	require.NoError(t, err, "times output: %q", out)
	return float64(minutes)*60 + seconds
}

func TestUnitLifecycleHelpers(t *testing.T) {
	testbed.Require(t)

	testbed.WriteUnit(t, "gostemd-testbed-probe.service",
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
	testbed.Systemctl(t, "start", "gostemd-testbed-probe.service")

	assert.Equal(t, "active", testbed.Show(t, "gostemd-testbed-probe.service", "ActiveState"))
}
