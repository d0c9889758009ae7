// Command watch follows a service through systemd's signals, never
// polling. It watches a unit name before any unit has it, then runs a
// command under that name as a transient service, and prints each event as
// it comes: the unit appearing, its jobs, every change of its state with
// the fields that changed, and the unit going away once its result was
// read. Then it waits for a second run with the helpers built on the same
// events: until the service is active, and until it has stopped.
//
// Run it as root against the host's systemd, or through the launcher that
// boots a throwaway one when the host has none:
//
//	go build -o bin/ ./examples/watch ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/watch
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/watch"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if err := runDemo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "watch: %v\n", err)
		os.Exit(1)
	}
}

// demoUnit is the name both runs take, one after the other.
const demoUnit = "gostemd-watch-demo.service"

func runDemo(ctx context.Context, w io.Writer) error {
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to systemd: %w", err)
	}
	defer m.Close()

	if err := followOneRun(ctx, w, m); err != nil {
		return err
	}
	return waitForStates(ctx, w, m)
}

// followOneRun watches demoUnit while a short command that fails runs
// under that name, and prints every event until systemd unloads the unit.
func followOneRun(ctx context.Context, w io.Writer, m *manager.Manager) error {
	watcher, err := watch.Units(ctx, m, demoUnit)
	if err != nil {
		return fmt.Errorf("watch %s: %w", demoUnit, err)
	}
	defer watcher.Close()

	start := time.Now()
	fmt.Fprintf(w, "watching %s; running \"sleep 0.2; exit 3\" under that name:\n", demoUnit)
	cmd := run.Command("/bin/sh", "-c", "sleep 0.2; exit 3")
	cmd.Unit, cmd.Manager = demoUnit, m
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", demoUnit, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	if err := printUntilRemoved(ctx, w, watcher, start); err != nil {
		return err
	}

	var exit *run.ExitError
	if err := <-waited; !errors.As(err, &exit) {
		return fmt.Errorf("wait for %s: want an exit error, got %v", demoUnit, err)
	}
	fmt.Fprintf(w, "Wait returned: %v\n\n", exit)
	return nil
}

// printUntilRemoved prints the watcher's events, each with the time since
// start, until the unit is unloaded.
func printUntilRemoved(ctx context.Context, w io.Writer, watcher *watch.Watcher, start time.Time) error {
	for {
		select {
		case e, ok := <-watcher.Events():
			if !ok {
				return fmt.Errorf("watch %s: %w", demoUnit, watcher.Err())
			}
			fmt.Fprintf(w, "  %+6.1f ms  %s\n", float64(time.Since(start).Microseconds())/1000, describe(e))
			if _, removed := e.(watch.Removed); removed {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("watch %s: %w", demoUnit, ctx.Err())
		}
	}
}

// waitForStates runs a short command under demoUnit and waits, with the
// helpers built on the unit's events, until it is active, then until it
// has stopped.
func waitForStates(ctx context.Context, w io.Writer, m *manager.Manager) error {
	fmt.Fprintf(w, "running \"sleep 0.3\" under the same name:\n")
	cmd := run.Command("/bin/sleep", "0.3")
	cmd.Unit, cmd.Manager = demoUnit, m
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", demoUnit, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	u, err := m.Unit(ctx, demoUnit)
	if err != nil {
		return err
	}
	active, err := watch.UntilActive(ctx, u)
	if err != nil {
		return fmt.Errorf("wait until %s is active: %w", demoUnit, err)
	}
	fmt.Fprintf(w, "  UntilActive returned:  %s\n", describeState(active))

	stopped, err := watch.UntilStopped(ctx, u)
	if err != nil {
		return fmt.Errorf("wait until %s has stopped: %w", demoUnit, err)
	}
	fmt.Fprintf(w, "  UntilStopped returned: %s\n", describeState(stopped))

	if err := <-waited; err != nil {
		return fmt.Errorf("wait for %s: %w", demoUnit, err)
	}
	fmt.Fprintf(w, "Wait returned no error\n")
	return nil
}

// describe puts an event in one line.
func describe(e watch.Event) string {
	switch e := e.(type) {
	case watch.Resync:
		states := make([]string, len(e.States))
		for i, s := range e.States {
			states[i] = describeState(s)
		}
		return fmt.Sprintf("Resync (%s): %s", e.Reason, strings.Join(states, "; "))
	case watch.Added:
		return "Added: " + describeState(e.State)
	case watch.Changed:
		return fmt.Sprintf("Changed %s: %s", strings.Join(e.Fields, ","), describeState(e.State))
	case watch.JobStarted:
		return fmt.Sprintf("JobStarted: job %d", e.ID)
	case watch.JobFinished:
		return fmt.Sprintf("JobFinished: job %d, %s", e.ID, e.Result)
	case watch.Removed:
		return "Removed: systemd unloaded the unit"
	}
	return fmt.Sprintf("%#v", e)
}

// describeState puts the fields of a state that tell a service's life in
// one line.
func describeState(s watch.State) string {
	if !s.Loaded() {
		return "not loaded"
	}

	parts := []string{fmt.Sprintf("%s %s/%s", s.LoadState, s.ActiveState, s.SubState)}
	if s.JobID != 0 {
		parts = append(parts, fmt.Sprintf("job %d", s.JobID))
	}
	if s.MainPID != 0 {
		parts = append(parts, fmt.Sprintf("main PID %d", s.MainPID))
	}
	if s.ExecMainCode != 0 {
		parts = append(parts, fmt.Sprintf("main process %s, status %d", s.ExecMainCode, s.ExecMainStatus))
	}
	if s.Result != "" {
		parts = append(parts, "result "+string(s.Result))
	}
	return strings.Join(parts, ", ")
}
