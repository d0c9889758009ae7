// Command limits shows cgroup limits on transient services: CPUQuota=20%,
// MemoryMax=10M and TasksMax=5. It runs each workload twice, without the
// limit and with it, and prints what happened and what systemd reported:
//
//   - a busy loop for two seconds gets about 0.4 s of CPU time under a 20%
//     quota, instead of about 2 s;
//   - dd asking for a 200 MB buffer is killed by the kernel's OOM killer
//     above 10 MB;
//   - a shell starting ten background processes cannot fork the fifth.
//
// The CPU time is the one bash's times builtin reports for the loop. systemd
// counts CPU time itself (CPUUsageNSec, Result.Usage.CPUUsage) where it runs
// the cpuacct controller together with cpu, or on cgroup v2; on hosts where
// it cannot, such as the project's test bed on Debian 12 machines, it reports
// nothing, and the program says so.
//
// Run it as root on a machine where systemd is PID 1, or through the
// project's launcher, which boots a throwaway systemd when the host has none
// (and makes these limits real inside it):
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/limits
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gostemd/gostemd/run"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if err := demo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "limits: %v\n", err)
		os.Exit(1)
	}
}

func demo(ctx context.Context, w io.Writer) error {
	if err := cpu(ctx, w); err != nil {
		return err
	}
	if err := memory(ctx, w); err != nil {
		return err
	}
	return tasks(ctx, w)
}

// A variant is one run of a workload: without the limit, or with it.
type variant struct {
	label string
	props []run.Property
}

// busy is the length of the busy loop.
const busy = 2 * time.Second

func cpu(ctx context.Context, w io.Writer) error {
	fmt.Fprintf(w, "CPUQuota=20%%: a busy loop for %v\n", busy)
	counted := true
	for _, c := range []variant{
		{"without a quota", nil},
		{"with CPUQuota=20%", []run.Property{run.CPUQuota(0.2)}},
	} {
		used, res, err := busyLoop(ctx, c.props...)
		if err != nil {
			return err
		}
		share := float64(used) / float64(busy)
		fmt.Fprintf(w, "  %-20s %.2fs of CPU time, %.0f%% of one CPU",
			c.label+":", used.Seconds(), 100*share)
		if res.Usage.CPUUsage != nil {
			fmt.Fprintf(w, " (systemd counted %.2fs)", res.Usage.CPUUsage.Seconds())
		} else {
			counted = false
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "  (CPU time as bash's times builtin reports it")
	if !counted {
		fmt.Fprint(w, ";\n  systemd's own count, CPUUsageNSec, is not set on this system")
	}
	fmt.Fprintln(w, ")")
	return nil
}

// busyLoop spins for the length of busy in a unit and returns the CPU time
// the loop used, user and system, as bash's times builtin prints it for the
// shell's children: "0m0.396s 0m0.004s" on its second line.
func busyLoop(ctx context.Context, props ...run.Property) (time.Duration, *run.Result, error) {
	script := fmt.Sprintf("timeout %g bash -c 'while :; do :; done'; times", busy.Seconds())
	cmd := run.CommandContext(ctx, "bash", "-c", script)
	cmd.Properties = append(props, run.CPUAccounting(true))
	out, err := cmd.Output()
	if err != nil {
		return 0, nil, fmt.Errorf("run the busy loop: %w", err)
	}

	m := childTimes.FindStringSubmatch(string(out))
	if m == nil {
		return 0, nil, fmt.Errorf("unexpected output of times: %q", out)
	}
	return minutes(m[1], m[2]) + minutes(m[3], m[4]), cmd.Result, nil
}

// childTimes matches the last line of bash's times.
var childTimes = regexp.MustCompile(`(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$`)

func minutes(m, s string) time.Duration {
	mins, _ := strconv.Atoi(m)
	secs, _ := strconv.ParseFloat(s, 64)
	return time.Duration(mins)*time.Minute + time.Duration(secs*float64(time.Second))
}

func memory(ctx context.Context, w io.Writer) error {
	const alloc = "exec dd if=/dev/zero of=/dev/null bs=200M count=1"
	fmt.Fprintln(w, "MemoryMax=10M: dd allocating a 200 MB buffer")

	for _, c := range []variant{
		{"without a limit", nil},
		// Without swap, so that the 200 MB cannot go there instead.
		{"with MemoryMax=10M", []run.Property{run.MemoryMax(10 << 20), run.MemorySwapMax(0)}},
	} {
		cmd := run.CommandContext(ctx, "sh", "-c", alloc)
		cmd.Properties = c.props
		err := cmd.Run()
		if err := unexpected(err); err != nil {
			return fmt.Errorf("run dd: %w", err)
		}
		fmt.Fprintf(w, "  %-20s Run returned %s; systemd's result: %s\n",
			c.label+":", describe(err), cmd.Result.UnitResult)
	}
	fmt.Fprintln(w, "  (the kernel's OOM killer ends dd with SIGKILL; systemd's result is oom-kill\n"+
		"  where cgroup v2 tells it of OOM kills, and signal on cgroup v1)")
	return nil
}

// unexpected returns err unless it is nil or an *run.ExitError, which says
// how a unit that ran ended.
func unexpected(err error) error {
	var ee *run.ExitError
	if err == nil || errors.As(err, &ee) {
		return nil
	}
	return err
}

// describe names the error Run returned.
func describe(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("%T %q", err, err)
}

func tasks(ctx context.Context, w io.Writer) error {
	// dash, Debian's sh, gives up at the first fork that fails.
	const forks = `i=0
while [ $i -lt 10 ]; do
	sleep 60 >/dev/null 2>&1 &
	i=$((i + 1))
	echo "started $i"
done`
	fmt.Fprintln(w, "TasksMax=5: sh starting 10 background sleeps (sh itself is a task too)")

	for _, c := range []variant{
		{"without a limit", nil},
		{"with TasksMax=5", []run.Property{run.TasksMax(5)}},
	} {
		cmd := run.CommandContext(ctx, "sh", "-c", forks)
		cmd.Properties = c.props
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err := unexpected(err); err != nil {
			return fmt.Errorf("run sh: %w", err)
		}
		fmt.Fprintf(w, "  %-20s %s; Run returned %s\n",
			c.label+":", summarize(out.String()), describe(err))
	}
	return nil
}

// summarize turns the shell's "started N" lines into a count, and keeps any
// other line, such as dash's "sh: 0: Cannot fork".
func summarize(out string) string {
	started := 0
	var other []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if _, n, ok := strings.Cut(line, "started "); ok {
			started, _ = strconv.Atoi(n)
		} else if line != "" {
			other = append(other, fmt.Sprintf("%q", line))
		}
	}
	s := fmt.Sprintf("started %d", started)
	if len(other) > 0 {
		s += ", then " + strings.Join(other, ", ")
	}
	return s
}
