// Command tour is `make demo`: a guided tour of gostemd that runs the other
// examples, one after the other, against a real systemd, with a heading and
// a few words before each on what it shows.
//
// It runs the example programs that sit next to it, so build them all into
// one directory first. As root, on a machine without systemd as init (a
// container, a CI sandbox), the launcher boots a throwaway systemd for it:
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/tour
//
// That is what `make demo` does. The tour goes on after a failed example and
// exits with status 1 at the end if any failed. Each example also runs on
// its own, as ./bin/withsystemd ./bin/NAME; its source, in
// examples/NAME/main.go, starts with a comment on what it shows.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// A step is one example of the tour.
type step struct {
	name  string // the example's directory under examples/, and its program
	title string
	intro string // a sentence or two: what to look for
}

var steps = []step{
	{"status", "what systemd says about itself",
		"gostemd speaks to systemd over D-Bus, in typed Go values. This reads the manager's " +
			"properties, lists the services that run, and starts a unit, learning how its job " +
			"ended from systemd's JobRemoved signal instead of polling."},
	{"watch", "events without polling",
		"A Watcher follows units through systemd's signals: it names a unit before it exists, " +
			"then reports it appearing, its jobs, each change of state with the fields that " +
			"changed, and its going away. Waiting until a unit is active or has stopped is built " +
			"on the same events."},
	{"exec", "exec.Command, as a systemd service",
		"run.Command mirrors os/exec, but systemd starts the process as a transient service: " +
			"not a child of this program, in a cgroup of its own, and as another user if asked."},
	{"inspect", "what systemd knows about a service",
		"systemd tracks a service by its cgroup, not by its process tree: a daemon that " +
			"double-forked away from its parent is still among the unit's processes, and one " +
			"Kill ends them all."},
	{"sandbox", "sandboxing without containers",
		"One property per transient service narrows what it sees of the file system: a private " +
			"/tmp, no /home, a read-only /usr and /etc, hidden or bind-mounted paths."},
	{"firewall", "a firewall for one service",
		"IPAddressDeny= and IPAddressAllow= give one service a firewall of its own, a BPF " +
			"program on its cgroup; every other process keeps its network."},
	{"limits", "cgroup limits",
		"CPUQuota=, MemoryMax= and TasksMax= cap what one service may use. Each workload " +
			"runs twice, without its limit and with it."},
	{"rollout", "rolling out a new version with a template unit",
		"One unit file, app@.service, runs every version of an app: app@v1 and app@v2 run side " +
			"by side, each with its own main process, until stopping v1 completes the switch."},
	{"notify", "readiness, status and a watchdog",
		"A Type=notify service tells systemd when it is ready (READY=1) and what it is doing " +
			"(STATUS=); with WatchdogSec= it must keep pinging, or systemd kills it."},
	{"socket", "socket activation",
		"systemd listens on the socket itself and starts the HTTP server only when the first " +
			"request comes, handing it the listening socket by name."},
}

func main() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tour: %v\n", err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	if err := run(ctx, os.Stdout, filepath.Dir(exe), steps); err != nil {
		fmt.Fprintf(os.Stderr, "tour: %v\n", err)
		os.Exit(1)
	}
}

// run runs each step's program from dir, in turn, writing the headings and
// everything the programs print to w. It runs every step, and returns an
// error naming those that failed.
func run(ctx context.Context, w io.Writer, dir string, steps []step) error {
	if err := checkPrograms(dir, steps); err != nil {
		return err
	}

	fmt.Fprintf(w, "A tour of gostemd: %d examples against a real systemd.\n", len(steps))
	start := time.Now()
	var failed []string
	for i, s := range steps {
		fmt.Fprintf(w, "\n=== %d/%d  %s: %s\n", i+1, len(steps), s.name, s.title)
		writeWrapped(w, s.intro, "    ", 76)

		if err := runStep(ctx, w, dir, s); err != nil {
			fmt.Fprintf(w, "\n--- %s FAILED: %v\n", s.name, err)
			failed = append(failed, s.name)
		}
	}

	fmt.Fprintln(w)
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d examples failed: %s",
			len(failed), len(steps), strings.Join(failed, ", "))
	}
	fmt.Fprintf(w, "=== All %d examples ran, in %v. Their sources are in examples/NAME/main.go;\n",
		len(steps), time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintln(w, "    run one alone with ./bin/withsystemd ./bin/NAME.")
	return nil
}

// checkPrograms fails before the tour starts if a program is missing.
func checkPrograms(dir string, steps []step) error {
	var missing []string
	for _, s := range steps {
		if _, err := os.Stat(filepath.Join(dir, s.name)); err != nil {
			missing = append(missing, s.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("example programs missing from %s: %s "+
			"(build them with go build -o bin/ ./examples/...)", dir, strings.Join(missing, ", "))
	}
	return nil
}

// runStep runs one example, its output indented under the heading.
func runStep(ctx context.Context, w io.Writer, dir string, s step) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	path := filepath.Join(dir, s.name)
	fmt.Fprintf(w, "\n    $ %s\n", shown(path))

	out := &indenter{w: w, prefix: []byte("    ")}
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.finish()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not end within 2 minutes", s.name)
	}
	return err
}

// shown returns path relative to the working directory when it is below
// it, as a newcomer would type it.
func shown(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return "./" + rel
}

// writeWrapped writes text in lines of at most width columns, each starting
// with prefix.
func writeWrapped(w io.Writer, text, prefix string, width int) {
	line := prefix
	for _, word := range strings.Fields(text) {
		if len(line) > len(prefix) && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line = prefix
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

// indenter writes each line it is given with a prefix.
type indenter struct {
	w       io.Writer
	prefix  []byte
	midLine bool
}

func (in *indenter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		line := p
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line = p[:i+1]
		}
		if !in.midLine && line[0] != '\n' { // no trailing blanks on empty lines
			if _, err := in.w.Write(in.prefix); err != nil {
				return 0, err
			}
		}
		if _, err := in.w.Write(line); err != nil {
			return 0, err
		}
		in.midLine = line[len(line)-1] != '\n'
		p = p[len(line):]
	}
	return n, nil
}

// finish ends a last line that had no newline.
func (in *indenter) finish() {
	if in.midLine {
		fmt.Fprintln(in.w)
		in.midLine = false
	}
}
