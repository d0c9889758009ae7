// Command exec shows run.Command as a replacement for exec.Command. It runs
// the same small shell script both ways and prints what the script sees of
// itself: its PID, its parent, its user and its cgroup.
//
// With os/exec the script is a child of this program, in this program's
// cgroup, running as this program's user. With run.Command systemd starts it
// as a transient service: its parent is systemd, it has a cgroup of its own
// named after the unit, and it can run as another user just by setting
// Cmd.User.
//
// Run it as root on a machine where systemd is PID 1, or through the
// project's launcher, which boots a throwaway systemd when the host has none:
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/exec
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gostemd/gostemd/run"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := demo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "exec: %v\n", err)
		os.Exit(1)
	}
}

// script prints facts about the shell that runs it, one "key value" per
// line. $PPID is the shell's parent; /proc/PID/comm holds a process's name.
const script = `echo "pid $$"
echo "ppid $PPID"
echo "parent $(cat /proc/$PPID/comm)"
echo "uid $(id -u)"
sed 's/^/cgroup /' /proc/self/cgroup`

func demo(ctx context.Context, w io.Writer) error {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	ours := systemdCgroup(string(self))
	fmt.Fprintf(w, "this program: pid %d, uid %d, cgroup %s\n", os.Getpid(), os.Getuid(), ours)
	fmt.Fprintf(w, "the script, run three ways:\n%s\n\n", indent(script))

	out, err := exec.CommandContext(ctx, "sh", "-c", script).Output()
	if err != nil {
		return fmt.Errorf("run the script with os/exec: %w", err)
	}
	fmt.Fprintln(w, "1. exec.Command: a child of this program")
	if err := describe(w, out, ours); err != nil {
		return err
	}

	cmd := run.CommandContext(ctx, "sh", "-c", script)
	if out, err = cmd.Output(); err != nil {
		return fmt.Errorf("run the script with run.Command: %w", err)
	}
	fmt.Fprintf(w, "2. run.Command: the transient service %s\n", cmd.Unit)
	if err := describe(w, out, ours); err != nil {
		return err
	}

	cmd = run.CommandContext(ctx, "sh", "-c", script)
	cmd.User = "nobody"
	if out, err = cmd.Output(); err != nil {
		return fmt.Errorf("run the script as nobody: %w", err)
	}
	fmt.Fprintf(w, "3. run.Command with User \"nobody\": the transient service %s\n", cmd.Unit)
	return describe(w, out, ours)
}

// describe prints what the script reported, comparing its cgroup with ours.
func describe(w io.Writer, out []byte, ours string) error {
	facts := parse(string(out))
	for _, key := range []string{"pid", "ppid", "parent", "uid"} {
		if facts[key] == "" {
			return fmt.Errorf("the script printed no %s: %q", key, out)
		}
	}

	cgroup := systemdCgroup(facts["cgroup"])
	where := "a cgroup of its own"
	if cgroup == ours {
		where = "the same as this program's"
	}
	parent := facts["parent"]
	if facts["ppid"] == strconv.Itoa(os.Getpid()) {
		parent = "this program"
	}
	fmt.Fprintf(w, "   pid %s, parent %s (%s), uid %s\n",
		facts["pid"], facts["ppid"], parent, facts["uid"])
	fmt.Fprintf(w, "   cgroup %s, %s\n\n", cgroup, where)
	return nil
}

// parse reads the script's "key value" lines. The cgroup lines, one per
// hierarchy, are joined back into the text of /proc/PID/cgroup.
func parse(out string) map[string]string {
	facts := make(map[string]string)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), " ")
		if key == "cgroup" {
			facts[key] += value + "\n"
		} else {
			facts[key] = value
		}
	}
	return facts
}

// systemdCgroup picks, from the text of /proc/PID/cgroup, the path in the
// hierarchy systemd organizes units in: "name=systemd" on a system with
// cgroup v1 or hybrid cgroups, the unified hierarchy ("0::") otherwise.
func systemdCgroup(text string) string {
	var unified string
	for _, line := range strings.Split(text, "\n") {
		parts := strings.SplitN(line, ":", 3)
		switch {
		case len(parts) < 3:
		case parts[1] == "name=systemd":
			return parts[2]
		case parts[0] == "0":
			unified = parts[2]
		}
	}
	return unified
}

func indent(s string) string {
	return "   " + strings.ReplaceAll(s, "\n", "\n   ")
}
