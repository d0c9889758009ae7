package run_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

// scoped returns a Cmd that runs a shell script in a scope.
func scoped(script string, props ...run.Property) *run.Cmd {
	cmd := run.Command("sh", "-c", script)
	cmd.Scope = true
	cmd.Properties = props
	return cmd
}

// assertInUnit checks that every line of /proc/PID/cgroup output that
// systemd manages (its own hierarchy, the unified one, memory and pids)
// names the unit.
func assertInUnit(tb testing.TB, cgroups, name string) {
	tb.Helper()
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(cgroups), "\n") {
		parts := strings.SplitN(line, ":", 3)
		require.Len(tb, parts, 3, "cgroup line %q", line)
		switch parts[1] {
		case "", "name=systemd", "memory", "pids":
			assert.True(tb, strings.HasSuffix(parts[2], "/"+name), "%q is not in %s", line, name)
			seen++
		}
	}
	assert.Positive(tb, seen, "no cgroup lines in %q", cgroups)
}

// TestIntegrationScopeFirstInstruction checks that the program is in the
// scope from its start: what it reads at once, and what a child forked at
// once reads, is the scope's cgroup.
func TestIntegrationScopeFirstInstruction(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("cat", "/proc/self/cgroup")
	cmd.Scope = true
	out, err := cmd.Output()
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(cmd.Result.Unit, ".scope"), cmd.Result.Unit)
	assertInUnit(t, string(out), cmd.Result.Unit)

	cmd = scoped("cat /proc/self/cgroup > /dev/stderr & cat /proc/self/cgroup; wait")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	require.NoError(t, err)
	assertInUnit(t, string(out), cmd.Result.Unit)
	assertInUnit(t, stderr.String(), cmd.Result.Unit)
}

func TestIntegrationScopeExitCode(t *testing.T) {
	testbed.Require(t)

	cmd := scoped("exit 7")
	ee := exitError(t, cmd)

	assert.Equal(t, 7, ee.ExitCode())
	assert.Equal(t, "exit status 7", ee.Error())
	assert.Equal(t, unit.ResultExitCode, ee.UnitResult)
	assert.Positive(t, cmd.Result.MainPID)
	assert.False(t, cmd.Result.InvocationID.IsZero())
	assert.Positive(t, cmd.Result.Runtime)
	testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")

	require.NoError(t, scoped("exit 0").Run())
}

func TestIntegrationScopeSignal(t *testing.T) {
	testbed.Require(t)

	ee := exitError(t, scoped("kill -TERM $$"))
	assert.Equal(t, -1, ee.ExitCode())
	assert.Equal(t, syscall.SIGTERM, ee.Signal())
	assert.Equal(t, "signal: terminated", ee.Error())
}

// TestIntegrationScopeMemoryMax has dd fill a 200 MB buffer in a scope
// limited to 10 MB: the kernel kills it.
func TestIntegrationScopeMemoryMax(t *testing.T) {
	testbed.Require(t)
	const alloc = "exec dd if=/dev/zero of=/dev/null bs=200M count=1"

	require.NoError(t, scoped(alloc).Run(), "dd cannot allocate 200 MB even without a limit")

	ee := exitError(t, scoped(alloc, run.MemoryMax(10<<20), run.MemorySwapMax(0)))
	killed := ee.Signal() == syscall.SIGKILL || ee.UnitResult == unit.ResultOOMKill
	assert.True(t, killed, "dd was not killed: %v", ee)
}

func TestIntegrationScopeTasksMax(t *testing.T) {
	testbed.Require(t)
	const forks = "sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait"

	out, err := scoped(forks, run.TasksMax(10)).CombinedOutput()
	require.NoError(t, err, "%s", out)

	out, err = scoped(forks, run.TasksMax(3)).CombinedOutput()
	assert.Error(t, err, "four children under TasksMax=3")
	assert.Contains(t, string(out), "fork")
}

// TestIntegrationScopeUser runs the program as nobody, with the
// credentials its parent gives it.
func TestIntegrationScopeUser(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("id", "-u")
	cmd.Scope = true
	cmd.User = "nobody"
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "65534\n", string(out))
}

// TestIntegrationScopeFields checks Slice, Unit, Dir, Env and a Stdin
// that is not a file.
func TestIntegrationScopeFields(t *testing.T) {
	testbed.Require(t)

	cmd := scoped(`read line; echo "$line $GOSTEMD_TEST $(pwd)"; cat /proc/self/cgroup`)
	cmd.Unit = "gostemd-scope-fields-" + strconv.Itoa(os.Getpid())
	cmd.Slice = "gostemd-scope-test.slice"
	cmd.Dir = "/usr"
	cmd.Env = []string{"GOSTEMD_TEST=env"}
	cmd.Stdin = strings.NewReader("input\n")
	out, err := cmd.Output()
	require.NoError(t, err)

	assert.Equal(t, cmd.Unit, cmd.Result.Unit)
	assert.True(t, strings.HasSuffix(cmd.Unit, ".scope"))
	first, rest, _ := strings.Cut(string(out), "\n")
	assert.Equal(t, "input env /usr", first)
	assert.Contains(t, rest, "/gostemd-scope-test.slice/"+cmd.Unit+"\n")
}

// TestIntegrationScopeNotExecutable shows that, unlike a service, a scope
// reports a program that cannot be executed in Start, as os/exec does, and
// leaves no unit behind.
func TestIntegrationScopeNotExecutable(t *testing.T) {
	testbed.Require(t)

	cmd := run.Command("/nonexistent/gostemd-program")
	cmd.Scope = true
	cmd.Unit = "gostemd-scope-noexec-" + strconv.Itoa(os.Getpid())
	err := cmd.Start()
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, "", testbed.Show(t, cmd.Unit, "InvocationID"))
}

// TestIntegrationScopeCancel cancels a scope whose program left a child
// running: the scope is killed, and no process or unit remains.
func TestIntegrationScopeCancel(t *testing.T) {
	testbed.Require(t)
	marker := "7" + strconv.Itoa(os.Getpid()) // sleep seconds, unique to this run

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := run.CommandContext(ctx, "sh", "-c", "sleep "+marker+" & sleep "+marker+"; wait")
	cmd.Scope = true
	cmd.Stdout = &bytes.Buffer{}
	require.NoError(t, cmd.Start())
	awaitProcesses(t, marker, 2)

	cancel()
	require.ErrorIs(t, cmd.Wait(), context.Canceled)
	assert.Equal(t, syscall.SIGKILL, cmd.Result.Signal())
	testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
	awaitProcesses(t, marker, 0)
}

// awaitProcesses waits up to ten seconds until exactly n processes run
// sleep with the given argument.
func awaitProcesses(tb testing.TB, arg string, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for countSleeps(arg) != n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(tb, n, countSleeps(arg), "processes running sleep %s", arg)
}

func countSleeps(arg string) int {
	want := "sleep\x00" + arg + "\x00"
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	n := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil && strings.HasSuffix(string(b), want) {
			n++
		}
	}
	return n
}

// TestIntegrationScopeLeftovers checks that Wait ends what the program
// left running when it exited, as systemd does for a service.
func TestIntegrationScopeLeftovers(t *testing.T) {
	testbed.Require(t)
	marker := "8" + strconv.Itoa(os.Getpid())

	cmd := scoped("sleep " + marker + " > /dev/null 2>&1 &")
	require.NoError(t, cmd.Run())
	awaitProcesses(t, marker, 0)
	testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
}

// TestIntegrationScopeCancelDuringStart lets contexts expire while Start
// is at work: whether or not the scope was created, neither it nor the
// program is left.
func TestIntegrationScopeCancelDuringStart(t *testing.T) {
	testbed.Require(t)
	marker := "6" + strconv.Itoa(os.Getpid())

	var names []string
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i)*300*time.Microsecond)
		cmd := run.CommandContext(ctx, "sleep", marker)
		cmd.Scope = true
		cmd.Unit = fmt.Sprintf("gostemd-scope-abandoned-%d-%d", os.Getpid(), i)
		names = append(names, cmd.Unit+".scope")
		if cmd.Start() == nil {
			assert.Error(t, cmd.Wait())
		}
		cancel()
	}

	for _, name := range names {
		testbed.AwaitShow(t, name, "LoadState", "not-found")
	}
	awaitProcesses(t, marker, 0)
}

// TestIntegrationScopeDaemonReexec re-executes systemd while a Cmd waits
// for its scope: the result still arrives.
func TestIntegrationScopeDaemonReexec(t *testing.T) {
	testbed.Require(t)

	cmd := scoped("read line; exit 5")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	testbed.Systemctl(t, "daemon-reexec")
	_, err = io.WriteString(stdin, "go\n")
	require.NoError(t, err)

	var ee *run.ExitError
	require.ErrorAs(t, <-waited, &ee)
	assert.Equal(t, 5, ee.ExitCode())
	assert.False(t, ee.InvocationID.IsZero())
	testbed.AwaitShow(t, cmd.Unit, "LoadState", "not-found")
}

// TestIntegrationScopeAccounting checks that the Result of a scope carries
// what systemd counted for it: the IP traffic of its program.
func TestIntegrationScopeAccounting(t *testing.T) {
	testbed.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go acceptAll(ln)

	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := run.Command("bash", "-c", "echo hello > /dev/tcp/127.0.0.1/"+port)
	cmd.Scope = true
	cmd.Properties = []run.Property{run.IPAccounting(true)}
	require.NoError(t, cmd.Run())

	usage := cmd.Result.Usage
	require.NotNil(t, usage.IPEgressBytes, "systemd did not count IP traffic")
	assert.Positive(t, *usage.IPEgressBytes)
}

// TestIntegrationScopeLeaks runs scopes that succeed, fail to start and
// are cancelled, with pipes, and checks that no goroutine or file
// descriptor of theirs is left.
func TestIntegrationScopeLeaks(t *testing.T) {
	testbed.Require(t)
	conn := connectRun(t)
	dialDefault(t)
	fds, goroutines := countFDs(t), runtime.NumGoroutine()

	for i := range 6 {
		ctx, cancel := context.WithCancel(context.Background())
		cmd := run.CommandContext(ctx, "sh", "-c", "echo out; echo err >&2; read line")
		cmd.Scope = true
		cmd.Stdin = strings.NewReader("line\n")
		cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
		if i%2 == 0 {
			cmd.Conn = conn
		}
		if i%3 == 2 {
			cmd.Path = "/nonexistent/gostemd-program"
		}

		if err := cmd.Start(); err == nil {
			if i%3 == 1 {
				cancel()
			}
			_ = cmd.Wait()
		}
		cancel()
	}
	awaitCount(t, "file descriptors", fds, func() int { return countFDs(t) })
	awaitCount(t, "goroutines", goroutines, runtime.NumGoroutine)
}
