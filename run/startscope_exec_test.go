package run_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

// connectManager opens a Manager that the test closes at its end.
func connectManager(tb testing.TB, opts *manager.Options) *manager.Manager {
	tb.Helper()
	m, err := manager.Connect(context.Background(), opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	return m
}

// startProcess starts a command outside of any unit of the test's, which
// the test kills and reaps at its end.
func startProcess(tb testing.TB, cmd *exec.Cmd) {
	tb.Helper()
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// TestIntegrationStartScope moves a running shell into a new scope with
// TasksMax=2, then lets it fork: the limit applies to it.
func TestIntegrationStartScope(t *testing.T) {
	testbed.Require(t)
	m := connectManager(t, nil)

	sh := exec.Command("sh", "-c", "read line; sleep 1 & sleep 1 & sleep 1 & wait")
	stdin, err := sh.StdinPipe()
	require.NoError(t, err)
	out := &strings.Builder{}
	sh.Stdout, sh.Stderr = out, out
	startProcess(t, sh)

	name := "gostemd-moved-" + strconv.Itoa(os.Getpid())
	u, err := run.StartScope(testContext(t), m, name, []int{sh.Process.Pid}, run.TasksMax(2))
	require.NoError(t, err)
	assert.Equal(t, name+".scope", u.Name())

	cgroup, err := os.ReadFile("/proc/" + strconv.Itoa(sh.Process.Pid) + "/cgroup")
	require.NoError(t, err)
	assertInUnit(t, string(cgroup), u.Name())
	assert.Equal(t, "2", testbed.Show(t, u.Name(), "TasksMax"))

	_, err = io.WriteString(stdin, "go\n")
	require.NoError(t, err)
	require.NoError(t, stdin.Close())
	_ = sh.Wait()
	assert.Contains(t, out.String(), "fork", "three children under TasksMax=2")
	testbed.AwaitShow(t, u.Name(), "LoadState", "not-found")
}

// TestIntegrationStartScopeUnit checks that the returned Unit controls the
// scope, and that StartScope works on the private socket, with a random
// name.
func TestIntegrationStartScopeUnit(t *testing.T) {
	testbed.Require(t)
	m := connectManager(t, &manager.Options{Private: true})
	ctx := testContext(t)

	sleep := exec.Command("sleep", "1000")
	startProcess(t, sleep)
	u, err := run.StartScope(ctx, m, "", []int{sleep.Process.Pid}, run.Description("moved sleep"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(u.Name(), "run-gostemd-"), u.Name())

	p, err := u.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.Active, p.ActiveState)
	assert.Equal(t, "moved sleep", p.Description)

	job, err := u.Stop(ctx, unit.ModeReplace)
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))
	err = sleep.Wait()
	assert.ErrorContains(t, err, "signal: terminated")
}

func TestIntegrationStartScopeErrors(t *testing.T) {
	testbed.Require(t)
	m := connectManager(t, nil)
	ctx := testContext(t)

	sleep := exec.Command("sleep", "1000")
	startProcess(t, sleep)
	pid := sleep.Process.Pid

	// No process can have pid_max's own value.
	_, err := run.StartScope(ctx, m, "", []int{pid, 1 << 22})
	assert.ErrorIs(t, err, gostemd.ErrNoSuchProcess)
	assert.ErrorContains(t, err, strconv.Itoa(1<<22))

	_, err = run.StartScope(ctx, m, "", []int{pid}, run.PrivateNetwork(true))
	assert.ErrorIs(t, err, run.ErrNotForScope)
	assert.ErrorContains(t, err, "PrivateNetwork")

	_, err = run.StartScope(ctx, m, "", nil)
	assert.ErrorContains(t, err, "no processes")
	_, err = run.StartScope(ctx, m, "", []int{-3})
	assert.ErrorContains(t, err, "invalid process ID -3")
	_, err = run.StartScope(ctx, m, "x.service", []int{pid})
	assert.ErrorContains(t, err, "not a scope")
	_, err = run.StartScope(ctx, nil, "", []int{pid})
	assert.ErrorContains(t, err, "nil Manager")

	cgroup, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	require.NoError(t, err)
	assert.NotContains(t, string(cgroup), "run-gostemd-", "a refused scope took the process")
}

// scopeSamples are values for each property a scope takes, which systemd
// must accept for a scope.
var scopeSamples = map[string]string{
	"Description": "sample", "Slice": "gostemd-samples.slice", "CollectMode": "inactive-or-failed",
	"MemoryMin": "1M", "MemoryLow": "2M", "MemoryHigh": "200M", "MemoryMax": "300M",
	"MemorySwapMax": "0", "TasksMax": "50",
	"CPUQuota": "50%", "CPUWeight": "50", "StartupCPUWeight": "60",
	"IOWeight": "50", "StartupIOWeight": "60",
	"AllowedCPUs": "0", "StartupAllowedCPUs": "0",
	"AllowedMemoryNodes": "0", "StartupAllowedMemoryNodes": "0",
	"IPAddressAllow": "127.0.0.0/8", "IPAddressDeny": "any",
	"CPUAccounting": "yes", "MemoryAccounting": "yes", "IOAccounting": "yes",
	"BlockIOAccounting": "yes", "TasksAccounting": "yes", "IPAccounting": "yes",
	"KillMode": "mixed", "KillSignal": "SIGINT", "RestartKillSignal": "SIGINT",
	"FinalKillSignal": "SIGKILL", "WatchdogSignal": "SIGABRT",
	"SendSIGKILL": "yes", "SendSIGHUP": "yes",
	"RuntimeMaxSec": "1h", "RuntimeRandomizedExtraSec": "1s", "TimeoutStopSec": "20s",
}

// TestIntegrationScopeProperties starts a scope with every property a
// scope takes, and checks that systemd accepts each for a scope.
func TestIntegrationScopeProperties(t *testing.T) {
	testbed.Require(t)
	m := connectManager(t, nil)

	var props []run.Property
	for _, name := range run.ScopePropertyNames() {
		value, ok := scopeSamples[name]
		require.True(t, ok, "no sample value for %s", name)
		p, err := run.ParseProperty(name + "=" + value)
		require.NoError(t, err)
		props = append(props, p)
	}

	sleep := exec.Command("sleep", "1000")
	startProcess(t, sleep)
	u, err := run.StartScope(testContext(t), m, "", []int{sleep.Process.Pid}, props...)
	require.NoError(t, err)
	assert.Equal(t, "50", testbed.Show(t, u.Name(), "TasksMax"))
	assert.Equal(t, "mixed", testbed.Show(t, u.Name(), "KillMode"))
}

// TestIntegrationCmdManager runs a service and a scope on a Manager's
// connection, and checks that a Manager on the private socket is refused.
func TestIntegrationCmdManager(t *testing.T) {
	testbed.Require(t)
	m := connectManager(t, nil)

	for _, scope := range []bool{false, true} {
		cmd := run.Command("sh", "-c", "exit 3")
		cmd.Manager = m
		cmd.Scope = scope
		ee := exitError(t, cmd)
		assert.Equal(t, 3, ee.ExitCode())
		testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
	}

	cmd := run.Command("true")
	cmd.Manager = connectManager(t, &manager.Options{Private: true})
	assert.ErrorContains(t, cmd.Run(), "needs a bus connection")

	cmd = run.Command("true")
	cmd.Manager, cmd.Conn = m, connectRun(t)
	assert.ErrorContains(t, cmd.Run(), "both Conn and Manager")
}
