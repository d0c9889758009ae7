package run_test

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

// exitError runs cmd and returns its *run.ExitError, failing if there is
// none.
func exitError(tb testing.TB, cmd *run.Cmd) *run.ExitError {
	tb.Helper()
	err := cmd.Run()
	var ee *run.ExitError
	require.ErrorAs(tb, err, &ee)
	return ee
}

func TestIntegrationCmdExitCode(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "exit 7")
	ee := exitError(t, cmd)

	assert.Equal(t, 7, ee.ExitCode())
	assert.Equal(t, "exit status 7", ee.Error())
	assert.Equal(t, unit.ResultExitCode, ee.UnitResult)
	assert.Same(t, cmd.Result, ee.Result)
	assert.NotZero(t, cmd.Result.MainPID)
	assert.False(t, cmd.Result.InvocationID.IsZero())
	assert.Positive(t, cmd.Result.Runtime)
}

func TestIntegrationCmdSuccess(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("true")
	require.NoError(t, cmd.Run())

	assert.True(t, cmd.Result.Success())
	assert.Equal(t, 0, cmd.Result.ExitCode())
	assert.Equal(t, "exit status 0", cmd.Result.String())
	assert.True(t, strings.HasPrefix(cmd.Result.Unit, "run-gostemd-"), cmd.Result.Unit)
}

func TestIntegrationCmdSignal(t *testing.T) {
	testbed.Require(t)

	ee := exitError(t, run.Command("sh", "-c", "kill -TERM $$"))

	assert.Equal(t, -1, ee.ExitCode())
	assert.Equal(t, syscall.SIGTERM, ee.Signal())
	// systemd counts SIGTERM as a clean end of a service; Wait does not.
	assert.Equal(t, unit.ResultSuccess, ee.UnitResult)
	assert.Equal(t, "signal: terminated", ee.Error())
}

// TestIntegrationCmdCollected checks that a unit collected on failure still
// reports its exit status: the Cmd's reference keeps it loaded until Wait
// has read the result, and it is gone afterwards.
func TestIntegrationCmdCollected(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "exit 3")
	ee := exitError(t, cmd)
	assert.Equal(t, 3, ee.ExitCode())

	testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
}

// TestIntegrationCmdKeepFailed checks that KeepFailed leaves a failed unit
// loaded.
func TestIntegrationCmdKeepFailed(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("sh", "-c", "exit 4")
	cmd.KeepFailed = true
	t.Cleanup(func() { testbed.Systemctl(t, "reset-failed", cmd.Result.Unit) })
	exitError(t, cmd)

	assert.Equal(t, "failed", testbed.Show(t, cmd.Result.Unit, "ActiveState"))
	assert.Equal(t, "4", testbed.Show(t, cmd.Result.Unit, "ExecMainStatus"))
}

func TestIntegrationCmdNamedUnit(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("true")
	cmd.Unit = "gostemd-named-test"
	cmd.Description = "a named test unit"
	require.NoError(t, cmd.Run())

	assert.Equal(t, "gostemd-named-test.service", cmd.Result.Unit)
}

func TestCmdErrors(t *testing.T) {
	cmd := run.Command("gostemd-no-such-program")
	require.Error(t, cmd.Err)
	assert.ErrorIs(t, cmd.Start(), cmd.Err)

	cmd = run.Command("true")
	assert.EqualError(t, cmd.Wait(), "run: not started")

	cmd = run.Command("true")
	cmd.Stdout = os.Stdout
	_, err := cmd.Output()
	assert.EqualError(t, err, "run: Stdout already set")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd = run.CommandContext(ctx, "true")
	assert.ErrorIs(t, cmd.Start(), context.Canceled)
}

func TestIntegrationCmdOutput(t *testing.T) {
	testbed.Require(t)

	out, err := run.Command("echo", "hello").Output()
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(out))
}

func TestIntegrationCmdOutputStderr(t *testing.T) {
	testbed.Require(t)

	out, err := run.Command("sh", "-c", "echo out; echo oops >&2; exit 2").Output()
	var ee *run.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "out\n", string(out))
	assert.Equal(t, "oops\n", string(ee.Stderr))
}

func TestIntegrationCmdCombinedOutput(t *testing.T) {
	testbed.Require(t)

	out, err := run.Command("sh", "-c", "echo one; echo two >&2; echo three").CombinedOutput()
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\nthree\n", string(out))
}

// TestIntegrationCmdNotExecutable shows where a program that cannot be
// executed is reported: not by Start, as os/exec does, but by Wait, with
// systemd's exit status 203 (EXEC).
func TestIntegrationCmdNotExecutable(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("/nonexistent/gostemd-program")
	require.NoError(t, cmd.Start())
	var ee *run.ExitError
	require.ErrorAs(t, cmd.Wait(), &ee)
	assert.Equal(t, 203, ee.ExitCode())
}

func TestIntegrationCmdUnitExists(t *testing.T) {
	testbed.Require(t)

	ctx, cancel := context.WithCancel(context.Background())
	first := run.CommandContext(ctx, "sleep", "1000")
	first.Unit = "gostemd-exists-test.service"
	require.NoError(t, first.Start())
	t.Cleanup(func() { cancel(); _ = first.Wait() })

	second := run.Command("true")
	second.Unit = first.Unit
	err := second.Run()
	assert.ErrorIs(t, err, gostemd.ErrUnitExists)
	assert.ErrorContains(t, err, "run: start unit gostemd-exists-test.service: ")
}

func TestCmdStartErrors(t *testing.T) {
	cmd := run.Command("true")
	cmd.Properties = []run.Property{run.ReadOnlyPaths("relative/path")}
	var pe *run.PropertyError
	assert.ErrorAs(t, cmd.Run(), &pe)

	cmd = run.Command("true")
	cmd.Unit = "bad/name"
	assert.Error(t, cmd.Run())

	cmd = run.Command("true")
	cmd.Unit = "thing.socket"
	assert.ErrorContains(t, cmd.Run(), "not a service")

	_, err := run.Connect(context.Background(), &manager.Options{Private: true})
	assert.ErrorContains(t, err, "needs a bus connection")
}

// TestIntegrationCmdOutputLongStderr checks that Output keeps the start and
// the end of a long standard error, and not all of it.
func TestIntegrationCmdOutputLongStderr(t *testing.T) {
	testbed.Require(t)

	script := "echo first >&2; head -c 200000 /dev/zero | tr '\\0' x >&2; echo; echo last >&2; exit 1"
	_, err := run.Command("sh", "-c", script).Output()
	var ee *run.ExitError
	require.ErrorAs(t, err, &ee)

	assert.True(t, strings.HasPrefix(string(ee.Stderr), "first\n"), "%.20q", ee.Stderr)
	assert.True(t, strings.HasSuffix(string(ee.Stderr), "last\n"))
	assert.Less(t, len(ee.Stderr), 70<<10)
}
