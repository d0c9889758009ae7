// Command status prints what a systemd manager says about itself and its
// units, then starts a unit and reports the job's result from the manager's
// JobRemoved signal, without polling.
//
// It is the program `make demo` runs. Run it as root against the host's
// systemd, or through the launcher that boots a throwaway one when the host
// has none:
//
//	go build -o bin/ ./examples/status ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/status
//
// Until the public manager package exists, it speaks to systemd through the
// module's internal D-Bus layer.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "status: %v\n", err)
		os.Exit(1)
	}
}

// managerFacts are the Manager properties the demo shows, decoded into Go
// types in one GetAll round trip.
type managerFacts struct {
	Version        string `dbus:"Version"`
	SystemState    string `dbus:"SystemState"`
	Virtualization string `dbus:"Virtualization"`
	NNames         uint32 `dbus:"NNames"`
	NFailedUnits   uint32 `dbus:"NFailedUnits"`
	NJobs          uint32 `dbus:"NJobs"`
}

// demoUnit is a oneshot unit every Debian systemd ships; starting it is
// harmless (it cleans old files from temporary directories).
const demoUnit = "systemd-tmpfiles-clean.service"

func run(ctx context.Context, w io.Writer) error {
	conn, err := bus.Dial(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to the system bus: %w", err)
	}
	defer conn.Close()

	if err := printManager(ctx, w, conn); err != nil {
		return err
	}
	if err := printServices(ctx, w, conn); err != nil {
		return err
	}
	return startAndWatch(ctx, w, conn, demoUnit)
}

func printManager(ctx context.Context, w io.Writer, conn *bus.Conn) error {
	var m managerFacts
	if _, err := conn.ReadProperties(ctx, bus.ManagerPath, bus.ManagerInterface, &m); err != nil {
		return fmt.Errorf("read manager properties: %w", err)
	}

	virt := m.Virtualization
	if virt == "" {
		virt = "none"
	}
	fmt.Fprintf(w, "systemd %s, system state %s, virtualization %s\n", m.Version, m.SystemState, virt)
	fmt.Fprintf(w, "%d unit names loaded, %d failed, %d jobs queued\n\n", m.NNames, m.NFailedUnits, m.NJobs)
	return nil
}

func printServices(ctx context.Context, w io.Writer, conn *bus.Conn) error {
	var units []bus.UnitStatus
	err := conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, "ListUnitsByPatterns",
		[]string{"active", "failed"}, []string{"*.service"}).Store(&units)
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

// startAndWatch subscribes to JobRemoved before starting the unit, so even a
// job that finishes at once cannot be missed, then waits for its signal.
func startAndWatch(ctx context.Context, w io.Writer, conn *bus.Conn, name string) error {
	sub, err := conn.Subscribe(ctx, bus.Match{
		Interface: bus.ManagerInterface, Member: "JobRemoved", ManagerSubscribe: true,
	})
	if err != nil {
		return fmt.Errorf("watch jobs: %w", err)
	}
	defer sub.Close()

	var job dbus.ObjectPath
	start := time.Now()
	err = conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, "StartUnit", name, "replace").Store(&job)
	if err != nil {
		return fmt.Errorf("start unit %s: %w", name, err)
	}
	fmt.Fprintf(w, "started %s: job %s\n", name, job)

	result, err := waitJob(ctx, sub, job)
	if err != nil {
		return fmt.Errorf("wait for job of %s: %w", name, err)
	}
	fmt.Fprintf(w, "job finished: %s (signalled after %v)\n", result, time.Since(start).Round(time.Millisecond))
	return nil
}

func waitJob(ctx context.Context, sub *bus.Subscription, job dbus.ObjectPath) (string, error) {
	for {
		select {
		case ev := <-sub.Events():
			if ev.Signal == nil {
				continue
			}
			removed, err := bus.ParseJobRemoved(ev.Signal)
			if err == nil && removed.Job == job {
				return strings.TrimSpace(removed.Result), nil
			}
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}
