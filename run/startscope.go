package run

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

// StartScope moves running processes into a new transient scope unit and
// returns the scope once systemd has started it, with the processes in its
// cgroup and props (such as MemoryMax or TasksMax) applied to them. It is
// what systemd-run --scope does for its own process, for any processes.
//
// name without a suffix gets ".scope"; empty means a random name such as
// "run-gostemd-5e2f4b0c19d8a7e3.scope". pids are in the manager's PID
// namespace. props may only be those a scope applies; others fail with a
// *PropertyError matching ErrNotForScope. A process that does not exist
// fails with an error matching gostemd.ErrNoSuchProcess.
//
// The scope lives on without the caller, until its last process ends (or
// systemd stops it); the Unit can stop, kill or inspect it. Unlike a Cmd,
// StartScope works on systemd's private socket too.
//
// NB: PIDs are numbers, which the kernel reuses: a process that ends between
// the caller's choice and systemd's move could be replaced by another one of
// the same number. Newer systemd also takes pidfds (PIDFDs=, systemd 255),
// which would close that window; StartScope sends numbers, which every
// version takes.
func StartScope(ctx context.Context, m *manager.Manager, name string, pids []int,
	props ...Property,
) (*unit.Unit, error) {
	if m == nil {
		return nil, errors.New("run: start scope: nil Manager")
	}
	name, err := scopeName(name)
	if err != nil {
		return nil, fmt.Errorf("run: start scope: %w", err)
	}

	wire, err := scopeBusProperties(props...)
	if err == nil {
		err = startScopeJob(ctx, client.OfManager(m), name, pids, wire)
	}
	if err != nil {
		return nil, fmt.Errorf("run: start scope %s: %w", name, err)
	}
	return client.NewUnit(client.OfManager(m), name, bus.UnitPath(name)).(*unit.Unit), nil
}

// startScopeJob starts the scope and waits for its start job. The job
// subscription is in place before the call, so the job's end cannot be
// missed.
func startScopeJob(ctx context.Context, c *client.Client, name string, pids []int,
	props []bus.Property,
) error {
	p, err := pidsProperty(pids)
	if err != nil {
		return err
	}
	props = append(props, p)

	w, err := c.WatchJobs(ctx)
	if err != nil {
		return err
	}
	var job dbus.ObjectPath
	err = c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
		name, "fail", props, []bus.AuxUnit{}).Store(&job)
	if err != nil {
		w.Cancel()
		return noProcess(err, pids)
	}

	waiter := w.Claim(job)
	select {
	case <-waiter.Done():
	case <-ctx.Done():
		return fmt.Errorf("wait for start job: %w", ctx.Err())
	}
	return scopeJobOutcome(ctx, c, name, waiter.Result())
}

// scopeJobOutcome turns the result of a scope's start job into an error. A
// result lost to a reconnect is inferred from the scope's state.
func scopeJobOutcome(ctx context.Context, c *client.Client, name, result string) error {
	switch result {
	case string(unit.JobDone):
		return nil
	case client.Closed:
		return fmt.Errorf("wait for start job: connection closed: %w", unit.ErrJobLost)
	}

	u := client.NewUnit(c, name, bus.UnitPath(name)).(*unit.Unit)
	if result == client.Lost {
		if p, err := u.Properties(ctx); err == nil && p.ActiveState == unit.Active {
			return nil
		}
		result = string(unit.JobLost)
	}

	e := &unit.JobError{Unit: name, Type: unit.JobStart, Result: unit.JobResult(result)}
	if s, err := u.Scope(ctx); err == nil {
		e.UnitResult = s.Result
	}
	return e
}

// unixProcessIDUnknown is the D-Bus error systemd answers with for a PID
// that has no process. gostemd has no sentinel of that name.
const unixProcessIDUnknown = "org.freedesktop.DBus.Error.UnixProcessIdUnknown"

// noProcessError is systemd's answer for a PID without a process, which
// also matches gostemd.ErrNoSuchProcess.
type noProcessError struct {
	err error
}

func (e *noProcessError) Error() string { return e.err.Error() }

func (e *noProcessError) Unwrap() []error {
	return []error{e.err, gostemd.ErrNoSuchProcess}
}

// noProcess makes systemd's answer about a PID without a process match
// gostemd.ErrNoSuchProcess, and name the PIDs asked for: newer systemd
// does not name the missing one.
func noProcess(err error, pids []int) error {
	var reply dbus.Error
	if errors.As(err, &reply) && reply.Name == unixProcessIDUnknown {
		err = &noProcessError{err: err}
	}
	if errors.Is(err, gostemd.ErrNoSuchProcess) {
		return fmt.Errorf("place processes %v: %w", pids, err)
	}
	return err
}
