package run_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// connectRun opens a Conn that the test closes at its end.
func connectRun(tb testing.TB) *run.Conn {
	tb.Helper()
	conn, err := run.Connect(context.Background(), nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// TestIntegrationCmdConcurrent runs 200 units at once, each exiting with
// its own status, on a shared Conn and on connections of their own.
func TestIntegrationCmdConcurrent(t *testing.T) {
	testbed.Require(t)

	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			var conn *run.Conn
			if shared {
				conn = connectRun(t)
			}
			runConcurrently(t, conn, 200)
		})
	}
}

func runConcurrently(t *testing.T, conn *run.Conn, n int) {
	var wg sync.WaitGroup
	codes := make([]int, n)
	results := make([]*run.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			cmd := run.Command("sh", "-c", "exit "+strconv.Itoa(i%128))
			cmd.Conn = conn
			err := cmd.Run()
			errs[i] = err
			if cmd.Result != nil {
				codes[i] = cmd.Result.ExitCode()
				results[i] = cmd.Result
			}
		})
	}
	wg.Wait()

	for i := range n {
		if i%128 == 0 {
			assert.NoError(t, errs[i], "run %d", i)
		} else {
			assert.IsType(t, &run.ExitError{}, errs[i], "run %d: %v", i, errs[i])
		}
		assert.Equal(t, i%128, codes[i], "run %d: %+v", i, results[i])
	}
}

// TestIntegrationCmdCancel cancels running units, some with pipes, and
// checks that each is killed and unloaded, and that no goroutine or file
// descriptor of the Cmds is left.
func TestIntegrationCmdCancel(t *testing.T) {
	testbed.Require(t)
	conn := connectRun(t)
	dialDefault(t)
	fds, goroutines := countFDs(t), runtime.NumGoroutine()

	const n = 10
	ctx, cancel := context.WithCancel(context.Background())
	cmds := make([]*run.Cmd, n)
	for i := range cmds {
		cmds[i] = run.CommandContext(ctx, "sleep", "1000")
		if i%2 == 0 {
			cmds[i].Stdout = &bytes.Buffer{}
			cmds[i].Stdin = bytes.NewReader(make([]byte, 1<<20))
		} else {
			cmds[i].Conn = conn
		}
		require.NoError(t, cmds[i].Start())
	}
	for _, cmd := range cmds[:n/2] {
		testbed.AwaitShow(t, cmd.Unit, "ActiveState", "active")
	}
	cancel()

	for _, cmd := range cmds {
		require.ErrorIs(t, cmd.Wait(), context.Canceled)
		assert.Equal(t, syscall.SIGKILL, cmd.Result.Signal(), "%s", cmd.Result.Unit)
	}
	for _, cmd := range cmds {
		testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
	}
	awaitCount(t, "file descriptors", fds, func() int { return countFDs(t) })
	awaitCount(t, "goroutines", goroutines, runtime.NumGoroutine)
}

// TestIntegrationCmdCancelEarly cancels a unit before its process can have
// started: the start job is stopped and Wait still returns.
func TestIntegrationCmdCancelEarly(t *testing.T) {
	testbed.Require(t)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := run.CommandContext(ctx, "sleep", "1000")
	require.NoError(t, cmd.Start())
	cancel()

	require.ErrorIs(t, cmd.Wait(), context.Canceled)
	testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
}

// dialDefault runs a Cmd without Conn, so that the default connection,
// which stays for the life of the process, is there before a test counts
// goroutines and file descriptors.
func dialDefault(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, run.Command("true").Run())
}

func countFDs(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(tb, err)
	return len(entries)
}

// awaitCount waits up to five seconds for a count to come back down to
// want: goroutines and connections end shortly after Wait returns, and
// nothing signals when.
func awaitCount(tb testing.TB, what string, want int, count func() int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(tb, count(), want, "%s left behind", what)
}

// TestIntegrationCmdCancelDuringStart lets contexts expire while Start is
// talking to systemd: whether or not systemd got to start the unit, none is
// left running.
func TestIntegrationCmdCancelDuringStart(t *testing.T) {
	testbed.Require(t)

	var names []string
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i)*200*time.Microsecond)
		cmd := run.CommandContext(ctx, "sleep", "1000")
		cmd.Unit = fmt.Sprintf("gostemd-abandoned-%d-%d.service", os.Getpid(), i)
		names = append(names, cmd.Unit)
		if cmd.Start() == nil {
			assert.Error(t, cmd.Wait())
		}
		cancel()
	}

	for _, name := range names {
		testbed.AwaitShow(t, name, "LoadState", "not-found")
	}
}

// TestIntegrationCmdConnClosed closes a shared Conn under a waiting Cmd:
// Wait fails instead of waiting forever, for the unit or for its pipe, and
// the unit runs on.
func TestIntegrationCmdConnClosed(t *testing.T) {
	testbed.Require(t)
	conn, err := run.Connect(context.Background(), nil)
	require.NoError(t, err)

	cmd := run.Command("sleep", "1000")
	cmd.Conn = conn
	cmd.Stdout = &bytes.Buffer{} // a pipe that does not end with the Conn
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { testbed.Systemctl(t, "stop", cmd.Unit) })
	testbed.AwaitShow(t, cmd.Unit, "SubState", "running")

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	require.NoError(t, conn.Close())

	assert.Error(t, <-waited)
	assert.Nil(t, cmd.Result)
	assert.Equal(t, "active", testbed.Show(t, cmd.Unit, "ActiveState"))
}

// TestIntegrationDefaultConn runs Cmds without a Conn, one after the other
// and at once: they share the default connection, so no run leaves a
// connection, goroutine or descriptor behind.
func TestIntegrationDefaultConn(t *testing.T) {
	testbed.Require(t)
	dialDefault(t)
	fds, goroutines := countFDs(t), runtime.NumGoroutine()

	for range 3 {
		require.NoError(t, run.Command("true").Run())
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			err := run.Command("sh", "-c", fmt.Sprintf("exit %d", i+1)).Run()
			var ee *run.ExitError
			if assert.ErrorAs(t, err, &ee) {
				assert.Equal(t, i+1, ee.ExitCode())
			}
		})
	}
	wg.Wait()

	awaitCount(t, "file descriptors", fds, func() int { return countFDs(t) })
	awaitCount(t, "goroutines", goroutines, runtime.NumGoroutine)
}
