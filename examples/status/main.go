// Command status prints what a systemd manager says about itself and its
// units, then starts a unit and reports the job's result, which comes from
// the manager's JobRemoved signal rather than from polling.
//
// It is the first stop of `make demo`. Run it as root against the host's
// systemd, or through the launcher that boots a throwaway one when the host
// has none:
//
//	go build -o bin/ ./examples/status ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/status
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "status: %v\n", err)
		os.Exit(1)
	}
}

// demoUnit is a oneshot unit every Debian systemd ships; starting it is
// harmless (it cleans old files from temporary directories).
const demoUnit = "systemd-tmpfiles-clean.service"

func run(ctx context.Context, w io.Writer) error {
	// nil options: the system manager when run as root.
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to systemd: %w", err)
	}
	defer m.Close()

	if err := printManager(ctx, w, m); err != nil {
		return err
	}
	if err := printServices(ctx, w, m); err != nil {
		return err
	}
	return startAndWait(ctx, w, m, demoUnit)
}

// printManager reads the manager's properties, all in one round trip, already
// decoded into Go types.
func printManager(ctx context.Context, w io.Writer, m *manager.Manager) error {
	p, err := m.Properties(ctx)
	if err != nil {
		return fmt.Errorf("read manager properties: %w", err)
	}

	virt := p.Virtualization
	if virt == "" {
		virt = "none"
	}
	fmt.Fprintf(w, "systemd %s, system state %s, virtualization %s\n",
		p.Version, p.SystemState, virt)
	fmt.Fprintf(w, "%d unit names loaded, %d failed, %d jobs queued\n\n",
		p.NNames, p.NFailedUnits, p.NJobs)
	return nil
}

// printServices lists the services that run or have failed, as
// systemctl list-units --state=active,failed '*.service' does.
func printServices(ctx context.Context, w io.Writer, m *manager.Manager) error {
	units, err := m.ListUnits(ctx, &manager.ListOptions{
		States:   []string{"active", "failed"},
		Patterns: []string{"*.service"},
	})
	if err != nil {
		return fmt.Errorf("list units: %w", err)
	}

	sort.Slice(units, func(i, j int) bool { return units[i].Name < units[j].Name })
	fmt.Fprintf(w, "%-40s %-8s %s\n", "SERVICE", "ACTIVE", "SUB")
	for _, u := range units {
		fmt.Fprintf(w, "%-40s %-8s %s\n", u.Name, u.ActiveState, u.SubState)
	}
	fmt.Fprintln(w)
	return nil
}

// startAndWait starts a unit and waits for its job to end. The Manager
// listens for JobRemoved before it asks for the job, so even a job that ends
// at once cannot be missed.
func startAndWait(ctx context.Context, w io.Writer, m *manager.Manager, name string) error {
	start := time.Now()
	job, err := m.StartUnit(ctx, name, unit.ModeReplace)
	if err != nil {
		return fmt.Errorf("start unit %s: %w", name, err)
	}
	// The job's D-Bus object path, as systemctl and busctl show it.
	fmt.Fprintf(w, "started %s: job /org/freedesktop/systemd1/job/%d\n", name, job.ID())

	if err := job.Wait(ctx); err != nil {
		return fmt.Errorf("wait for job of %s: %w", name, err)
	}
	fmt.Fprintf(w, "job finished: %s (signalled after %v)\n",
		job.Result(), time.Since(start).Round(time.Millisecond))
	return nil
}
