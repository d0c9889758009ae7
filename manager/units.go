package manager

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// LoadUnit returns a handle on the named unit, loading it from disk if
// systemd has not yet. A unit with no unit file fails with
// gostemd.ErrNoSuchUnit; a masked unit is returned (starting it fails with
// gostemd.ErrUnitMasked).
func (m *Manager) LoadUnit(ctx context.Context, name string) (*unit.Unit, error) {
	path, state, err := m.loadUnit(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("load unit %s: %w", name, err)
	}
	if state == string(unit.LoadNotFound) {
		return nil, fmt.Errorf("load unit %s: unit %s not found: %w", name, name, gostemd.ErrNoSuchUnit)
	}
	return m.handle(name, path), nil
}

// loadUnit has systemd load the unit and reads its LoadState, in one round
// trip: both calls go at once, and systemd answers the second, made on the
// object path that follows from the name (for an alias, a path that leads
// to the same unit), after the first has loaded the unit. If the
// connection fails meanwhile, it makes the calls one after the other,
// which are sent again across a reconnect.
func (m *Manager) loadUnit(ctx context.Context, name string) (dbus.ObjectPath, string, error) {
	conn := m.c.Conn
	load := conn.Send(ctx, bus.ManagerPath, bus.ManagerInterface, bus.LoadUnit, name)
	get := conn.Send(ctx, bus.UnitPath(name), bus.PropertiesInterface, "Get",
		bus.UnitInterface, "LoadState")

	var path dbus.ObjectPath
	var state dbus.Variant
	loadErr := load.Reply().Store(&path)
	getErr := get.Reply().Store(&state)
	switch {
	case bus.Lost(loadErr) || bus.Lost(getErr):
		return m.loadUnitInTurn(ctx, name)
	case loadErr != nil:
		return "", "", loadErr
	case getErr != nil:
		return "", "", getErr
	}
	s, _ := state.Value().(string)
	return path, s, nil
}

func (m *Manager) loadUnitInTurn(ctx context.Context, name string) (dbus.ObjectPath, string, error) {
	var path dbus.ObjectPath
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.LoadUnit, name).
		Store(&path)
	if err != nil {
		return "", "", err
	}
	v, err := m.c.Conn.Get(ctx, path, bus.UnitInterface, "LoadState")
	if err != nil {
		return "", "", err
	}
	s, _ := v.Value().(string)
	return path, s, nil
}

// Show reads everything the typed properties tell of the named unit, as
// systemctl show does, loading the unit if systemd has not yet: a
// unit.Snapshot in one round trip, where LoadUnit followed by Snapshot
// takes two. Like LoadUnit, it fails with gostemd.ErrNoSuchUnit for a unit
// that has no unit file.
func (m *Manager) Show(ctx context.Context, name string) (*unit.Snapshot, error) {
	n, err := unit.ParseName(name)
	switch {
	case err != nil:
		return nil, fmt.Errorf("show unit: %w", err)
	case n.IsTemplate():
		// systemd would answer that the name is not a unit name at all.
		return nil, fmt.Errorf("show unit %s: a template is never loaded, only its instances: %w",
			name, gostemd.ErrInvalidArgs)
	}

	// Reading the object path that follows from a name has systemd load
	// the unit, as LoadUnit would; for an alias, the path leads to the
	// unit it names.
	s, err := m.handle(name, bus.UnitPath(name)).Snapshot(ctx)
	if err != nil {
		return nil, err // it names the unit and the read
	}
	if s.Unit.LoadState == unit.LoadNotFound {
		return nil, fmt.Errorf("show unit %s: unit %s not found: %w", name, name, gostemd.ErrNoSuchUnit)
	}
	return s, nil
}

// Unit returns a handle on a unit systemd has already loaded, without
// loading it: one that is not loaded, such as an inactive unit nothing
// refers to, fails with gostemd.ErrNoSuchUnit. Use LoadUnit to load it.
func (m *Manager) Unit(ctx context.Context, name string) (*unit.Unit, error) {
	var path dbus.ObjectPath
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, name).
		Store(&path)
	if err != nil {
		return nil, fmt.Errorf("get unit %s: %w", name, err)
	}
	return m.handle(name, path), nil
}

// UnitByPID returns the unit a process belongs to, by its cgroup. A PID
// in no unit fails with gostemd.ErrNoUnitForPID. PID 0 means the caller.
func (m *Manager) UnitByPID(ctx context.Context, pid uint32) (*unit.Unit, error) {
	var path dbus.ObjectPath
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnitByPID, pid).
		Store(&path)
	if err != nil {
		return nil, fmt.Errorf("get unit of pid %d: %w", pid, err)
	}
	return m.handleFromPath(ctx, path, fmt.Sprintf("pid %d", pid))
}

// UnitByInvocationID returns the unit whose current run has the given
// invocation ID. An ID of no current run fails with
// gostemd.ErrNoUnitForInvocationID.
func (m *Manager) UnitByInvocationID(ctx context.Context, id unit.InvocationID,
) (*unit.Unit, error) {
	var path dbus.ObjectPath
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnitByInvocationID,
		id[:]).Store(&path)
	if err != nil {
		return nil, fmt.Errorf("get unit of invocation %s: %w", id, err)
	}
	return m.handleFromPath(ctx, path, "invocation "+id.String())
}

// handleFromPath makes a handle on the unit at path, whose name must be
// read first.
func (m *Manager) handleFromPath(ctx context.Context, path dbus.ObjectPath, what string,
) (*unit.Unit, error) {
	v, err := m.c.Conn.Get(ctx, path, bus.UnitInterface, "Id")
	if err != nil {
		return nil, fmt.Errorf("get unit of %s: %w", what, err)
	}

	name, ok := v.Value().(string)
	if !ok {
		return nil, fmt.Errorf("get unit of %s: its Id is %s, not a string", what, v.Signature())
	}
	return m.handle(name, path), nil
}

func (m *Manager) handle(name string, path dbus.ObjectPath) *unit.Unit {
	return newUnit(m, name, path)
}

// UnitStatus is a unit as ListUnits returns it.
type UnitStatus struct {
	Name        string
	Description string
	LoadState   unit.LoadState
	ActiveState unit.ActiveState
	SubState    string
	Following   string // the unit this one follows, or ""
	JobID       uint32 // the pending job, 0 if none
	JobType     unit.JobType
}

// ListOptions filter ListUnits. A nil *ListOptions, like the zero value,
// lists every loaded unit.
type ListOptions struct {
	// States keeps units whose load, active or sub state is one of these,
	// such as "failed", "active" or "running". Empty keeps all.
	States []string

	// Patterns keeps units whose name matches one of these shell patterns,
	// such as "app@*.service". Empty keeps all.
	Patterns []string
}

// ListUnits lists the units systemd has loaded, as systemctl list-units
// --all does.
func (m *Manager) ListUnits(ctx context.Context, opts *ListOptions) ([]UnitStatus, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}

	var raw []bus.UnitStatus
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.ListUnitsByPatterns,
		nonNil(o.States), nonNil(o.Patterns)).Store(&raw)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}

	units := make([]UnitStatus, len(raw))
	for i, r := range raw {
		units[i] = UnitStatus{
			Name:        r.Name,
			Description: r.Description,
			LoadState:   unit.LoadState(r.LoadState),
			ActiveState: unit.ActiveState(r.ActiveState),
			SubState:    r.SubState,
			Following:   r.Following,
			JobID:       r.JobID,
			JobType:     unit.JobType(r.JobType),
		}
	}
	return units, nil
}

// nonNil makes a nil slice an empty one: godbus cannot encode a nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// StartUnit queues a job that starts the named unit and returns it, as
// unit.Unit.Start does. A unit with no unit file fails with
// gostemd.ErrNoSuchUnit, a masked one with gostemd.ErrUnitMasked.
func (m *Manager) StartUnit(ctx context.Context, name string, mode unit.Mode) (*unit.Job, error) {
	return newUnit(m, name, "").Start(ctx, mode)
}

// StopUnit queues a job that stops the named unit.
func (m *Manager) StopUnit(ctx context.Context, name string, mode unit.Mode) (*unit.Job, error) {
	return newUnit(m, name, "").Stop(ctx, mode)
}

// RestartUnit queues a job that restarts the named unit.
func (m *Manager) RestartUnit(ctx context.Context, name string, mode unit.Mode,
) (*unit.Job, error) {
	return newUnit(m, name, "").Restart(ctx, mode)
}

// ReloadUnit queues a job that reloads the named unit.
func (m *Manager) ReloadUnit(ctx context.Context, name string, mode unit.Mode,
) (*unit.Job, error) {
	return newUnit(m, name, "").Reload(ctx, mode)
}

// TryRestartUnit queues a job that restarts the named unit if it runs.
func (m *Manager) TryRestartUnit(ctx context.Context, name string, mode unit.Mode,
) (*unit.Job, error) {
	return newUnit(m, name, "").TryRestart(ctx, mode)
}

// ReloadOrRestartUnit queues a job that reloads the named unit if it can,
// and restarts it otherwise.
func (m *Manager) ReloadOrRestartUnit(ctx context.Context, name string, mode unit.Mode,
) (*unit.Job, error) {
	return newUnit(m, name, "").ReloadOrRestart(ctx, mode)
}
