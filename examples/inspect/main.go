// Command inspect shows what systemd knows about a running service and how
// a whole service is killed. It starts a transient service whose shell
// double-forks a daemon, the classic way a daemon leaves its parent's process
// tree, and then:
//
//   - reads the service's MainPID, a number straight from D-Bus rather than
//     text parsed out of systemctl's output;
//   - lists the processes of the unit's cgroup, the daemon included, although
//     it is no descendant of the main process;
//   - kills every process of the cgroup with one call, and shows that none is
//     left.
//
// Run it as root on a machine where systemd is PID 1, or through the
// project's launcher, which boots a throwaway systemd when the host has none:
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/inspect
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := demo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "inspect: %v\n", err)
		os.Exit(1)
	}
}

// script double-forks "sleep 1001": the subshell in parentheses starts it in
// the background and exits at once, so the daemon's parent is gone. The
// shell then reports both PIDs and becomes "sleep 1000", the main process.
const script = `(sleep 1001 & echo "daemon $!")
echo "main $$"
exec sleep 1000`

func demo(ctx context.Context, w io.Writer) error {
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return err
	}
	defer m.Close()

	// Killing the unit fails it; KeepFailed keeps it loaded afterwards, so
	// that systemd can still be asked about it.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := run.CommandContext(runCtx, "sh", "-c", script)
	cmd.KeepFailed = true
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}

	// However the demo ends, it leaves neither a process nor a failed unit
	// behind: stop kills every process of the unit, as CommandContext does
	// when its context is done.
	waited := false
	defer func() {
		if !waited {
			stop()
			cmd.Wait()
		}
		resetFailed(m, cmd.Unit)
	}()

	fmt.Fprintf(w, "started %s, running:\n%s\n", cmd.Unit, indent(script))
	pids, err := readPIDs(stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the script says: main process %d, daemon %d\n\n", pids["main"], pids["daemon"])

	u, err := m.Unit(ctx, cmd.Unit)
	if err != nil {
		return err
	}
	if err := inspect(ctx, w, u, pids); err != nil {
		return err
	}

	if err := u.Kill(ctx, unit.KillAll, syscall.SIGKILL); err != nil {
		return err
	}
	fmt.Fprintln(w, "Unit.Kill(KillAll, SIGKILL): systemd signalled every process in the cgroup")
	err = cmd.Wait()
	waited = true
	return gone(ctx, w, u, err, pids)
}

// resetFailed makes systemd forget the failed unit.
func resetFailed(m *manager.Manager, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if u, err := m.Unit(ctx, name); err == nil {
		u.ResetFailed(ctx)
	}
}

// readPIDs reads the "main" and "daemon" lines of the script.
func readPIDs(r io.Reader) (map[string]int, error) {
	pids := make(map[string]int)
	sc := bufio.NewScanner(r)
	for len(pids) < 2 && sc.Scan() {
		name, n, _ := strings.Cut(sc.Text(), " ")
		pid, err := strconv.Atoi(n)
		if err != nil {
			return nil, fmt.Errorf("read the script's PIDs: %q", sc.Text())
		}
		pids[name] = pid
	}
	if pids["main"] == 0 || pids["daemon"] == 0 {
		return nil, fmt.Errorf("read the script's PIDs: got %v (%v)", pids, sc.Err())
	}
	return pids, nil
}

// inspect prints what systemd says about the running unit.
func inspect(ctx context.Context, w io.Writer, u *unit.Unit, pids map[string]int) error {
	svc, err := u.Service(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "systemd says: MainPID %d (a %T read over D-Bus)\n", svc.MainPID, svc.MainPID)

	procs, err := settled(ctx, u, len(pids))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "processes in the unit's cgroup, from Unit.Processes:")
	fmt.Fprintf(w, "  %-7s %-7s %s\n", "PID", "PARENT", "COMMAND")
	for _, p := range procs {
		fmt.Fprintf(w, "  %-7d %-7d %s\n", p.PID, parentOf(int(p.PID)), p.Command)
	}
	fmt.Fprintf(w, "the daemon %d is no child of the main process %d: its parent is %d, "+
		"which adopted it\nwhen the subshell exited. "+
		"The process tree lost it; the cgroup did not.\n\n",
		pids["daemon"], pids["main"], parentOf(pids["daemon"]))
	return nil
}

// settled lists the unit's processes once there are n of them and each runs
// sleep: just after the script reports its PIDs, a process may not have
// executed sleep yet, and would show the shell's command line.
func settled(ctx context.Context, u *unit.Unit, n int) ([]unit.Process, error) {
	for {
		procs, err := u.Processes(ctx)
		if err != nil {
			return nil, err
		}
		ready := len(procs) == n
		for _, p := range procs {
			ready = ready && strings.HasPrefix(p.Command, "sleep ")
		}
		if ready {
			return procs, nil
		}

		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the unit's processes (last seen %v): %w", procs, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// gone reports how the unit ended, with the error Wait returned, and checks
// that no process of it is left.
func gone(ctx context.Context, w io.Writer, u *unit.Unit, err error, pids map[string]int) error {
	var ee *run.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("wait for %s: %v (expected an ExitError)", u.Name(), err)
	}
	fmt.Fprintf(w, "Cmd.Wait returned %T %q once the unit had stopped\n", err, err)

	procs, err := u.Processes(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "processes in the unit's cgroup now: %d\n", len(procs))
	for _, name := range []string{"main", "daemon"} {
		fmt.Fprintf(w, "%s process %d: %s\n", name, pids[name], exists(pids[name]))
	}
	return nil
}

// parentOf returns a process's parent PID, the fourth field of
// /proc/PID/stat, or 0 if it cannot be read. (The second field, the command
// name in parentheses, contains no spaces for sleep.)
func parentOf(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat))
	if len(fields) < 4 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[3])
	return ppid
}

// exists checks for a process with signal 0, which tests without sending.
func exists(pid int) string {
	switch err := syscall.Kill(pid, 0); {
	case err == nil:
		return "still running"
	case errors.Is(err, syscall.ESRCH):
		return "gone (kill -0: no such process)"
	default:
		return err.Error()
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
