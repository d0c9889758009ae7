package unit

import (
	"context"
	"fmt"
	"syscall"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
)

func init() {
	client.NewUnit = func(c *client.Client, name string, path dbus.ObjectPath) any {
		return &Unit{c: c, name: name, path: path}
	}
	client.OfUnit = func(u any) (*client.Client, dbus.ObjectPath) {
		h := u.(*Unit)
		return h.c, h.path
	}
}

// Unit is a handle on a unit that systemd has loaded, bound to the
// connection of the manager.Manager that returned it. It stays valid across
// reconnects, and after the Manager's Close every method fails. It is safe
// for concurrent use. The zero Unit is not usable.
type Unit struct {
	c    *client.Client
	name string
	path dbus.ObjectPath
}

// Name returns the unit's name, as it was asked for. systemd may know the
// unit by other names too (Properties.Names).
func (u *Unit) Name() string { return u.name }

func (u *Unit) String() string { return u.name }

// Start queues a job that starts the unit and returns it; Job.Wait tells
// how it ended. The zero Mode means ModeReplace.
func (u *Unit) Start(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobStart, bus.StartUnit, mode)
}

// Stop queues a job that stops the unit.
func (u *Unit) Stop(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobStop, bus.StopUnit, mode)
}

// Restart queues a job that stops the unit if it is running, then starts
// it.
func (u *Unit) Restart(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobRestart, bus.RestartUnit, mode)
}

// Reload queues a job that asks the unit to reload its configuration
// (ExecReload= for a service).
func (u *Unit) Reload(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobReload, bus.ReloadUnit, mode)
}

// TryRestart queues a job that restarts the unit if it is running, and
// does nothing otherwise.
func (u *Unit) TryRestart(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobTryRestart, bus.TryRestartUnit, mode)
}

// ReloadOrRestart queues a job that reloads the unit if it can, and
// restarts it otherwise; an inactive unit is started.
func (u *Unit) ReloadOrRestart(ctx context.Context, mode Mode) (*Job, error) {
	return u.queue(ctx, JobReloadOrRestart, bus.ReloadOrRestartUnit, mode)
}

func (u *Unit) queue(ctx context.Context, typ JobType, method string, mode Mode) (*Job, error) {
	j, err := startJob(ctx, u.c, u.name, typ, method, u.name, string(mode.orDefault()))
	if err != nil {
		return nil, fmt.Errorf("%s unit %s: %w", typ, u.name, err)
	}
	return j, nil
}

// Whom says which of a unit's processes Kill signals.
type Whom string

// Whom values, as systemctl kill's --kill-whom names them.
const (
	KillMain    Whom = "main"    // the main process
	KillControl Whom = "control" // the control process, such as ExecReload=
	KillAll     Whom = "all"     // every process of the unit's cgroup
)

func (w Whom) String() string { return string(w) }

// Kill sends sig to the unit's processes that whom selects. The zero Whom
// means KillAll. No job is involved: systemd sends the signal at once.
func (u *Unit) Kill(ctx context.Context, whom Whom, sig syscall.Signal) error {
	if whom == "" {
		whom = KillAll
	}

	err := u.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.KillUnit,
		u.name, string(whom), int32(sig)).Err
	if err != nil {
		return fmt.Errorf("kill unit %s (%s, %s): %w", u.name, whom, sig, err)
	}
	return nil
}

// ResetFailed clears the unit's failed state and its start rate limit
// counter. No job is involved.
func (u *Unit) ResetFailed(ctx context.Context) error {
	return u.manage(ctx, "reset failed state of", bus.ResetFailedUnit)
}

// Freeze suspends every process of the unit with the cgroup freezer and
// returns once they are frozen. It needs systemd 246 and a unit that runs
// processes; on cgroup v1 it needs the freezer controller.
func (u *Unit) Freeze(ctx context.Context) error {
	return u.manage(ctx, "freeze", bus.FreezeUnit)
}

// Thaw resumes the processes Freeze suspended. It needs systemd 246.
func (u *Unit) Thaw(ctx context.Context) error {
	return u.manage(ctx, "thaw", bus.ThawUnit)
}

func (u *Unit) manage(ctx context.Context, op, method string) error {
	err := u.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, method, u.name).Err
	if err != nil {
		return fmt.Errorf("%s unit %s: %w", op, u.name, err)
	}
	return nil
}

// objectPath returns the unit's object path, loading the unit for a handle
// that was made from a name alone.
func (u *Unit) objectPath(ctx context.Context) (dbus.ObjectPath, error) {
	if u.path != "" {
		return u.path, nil
	}

	var p dbus.ObjectPath
	err := u.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, u.name).Store(&p)
	return p, err
}

// typeInterface returns the D-Bus interface of a unit's type, which holds
// its Result property.
func typeInterface(name string) (string, bool) {
	n, err := ParseName(name)
	if err != nil {
		return "", false
	}

	iface, ok := typeInterfaces[n.Type()]
	return iface, ok
}

var typeInterfaces = map[Type]string{
	TypeService:   bus.ServiceInterface,
	TypeSocket:    bus.SocketInterface,
	TypeTimer:     bus.TimerInterface,
	TypeScope:     bus.ScopeInterface,
	TypeSlice:     bus.SliceInterface,
	TypeMount:     bus.MountInterface,
	TypeAutomount: bus.AutomountInterface,
	TypeSwap:      bus.SwapInterface,
	TypePath:      bus.PathInterface,
}
