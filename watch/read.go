package watch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
)

// readers bounds the reads of unit state in flight at once.
const readers = 8

// unitRead is the state of one unit as systemd answered, with the sequence
// number of its answer.
type unitRead struct {
	name  string // as the Watcher names the unit
	id    string // systemd's primary name, "" if not loaded
	path  dbus.ObjectPath
	state State
	since dbus.Sequence
}

// readUnits reads the state of the named units, or of every loaded unit
// when names is nil. One ListUnits tells which are loaded; the others are
// asked for by name, which finds aliases and never loads a unit.
func readUnits(ctx context.Context, conn *bus.Conn, names []string) ([]unitRead, error) {
	listed, seq, err := listUnits(ctx, conn)
	if err != nil {
		return nil, err
	}

	var targets []bus.UnitStatus
	if names == nil {
		for _, st := range listed {
			targets = append(targets, st)
		}
	}
	for _, name := range names {
		targets = append(targets, bus.UnitStatus{Name: name, Path: listed[name].Path})
	}

	reads := make([]unitRead, len(targets))
	err = parallel(len(targets), func(i int) error {
		var err error
		reads[i], err = readUnit(ctx, conn, targets[i].Name, targets[i].Path, seq)
		return err
	})
	return reads, err
}

// listUnits returns the loaded units by name.
func listUnits(ctx context.Context, conn *bus.Conn) (map[string]bus.UnitStatus, dbus.Sequence, error) {
	var list []bus.UnitStatus
	reply, seq := conn.QuerySequenced(ctx, bus.ManagerPath, bus.ManagerInterface, bus.ListUnits)
	if err := reply.Store(&list); err != nil {
		return nil, 0, fmt.Errorf("list units: %w", err)
	}

	listed := make(map[string]bus.UnitStatus, len(list))
	for _, st := range list {
		listed[st.Name] = st
	}
	return listed, seq, nil
}

// readUnit reads one unit; an empty path means that ListUnits, answered
// at seq, did not list it under that name.
func readUnit(ctx context.Context, conn *bus.Conn, name string, path dbus.ObjectPath,
	seq dbus.Sequence,
) (unitRead, error) {
	if path != "" {
		return readPath(ctx, conn, name, path)
	}

	reply, getSeq := conn.QuerySequenced(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, name)
	err := reply.Store(&path)
	switch {
	case errors.Is(err, gostemd.ErrNoSuchUnit):
		return unitRead{name: name, state: notLoaded(name), since: max(seq, getSeq)}, nil
	case err != nil:
		return unitRead{}, fmt.Errorf("get unit %s: %w", name, err)
	}
	return readPath(ctx, conn, name, path)
}

// readPath reads a loaded unit's properties, every interface's at once.
//
// NB: reading a unit's object path makes systemd load the unit if it was
// unloaded in the meantime; it is then unloaded again soon, and the
// Watcher reports that as Removed.
func readPath(ctx context.Context, conn *bus.Conn, name string, path dbus.ObjectPath,
) (unitRead, error) {
	var props map[string]dbus.Variant
	reply, seq := conn.QuerySequenced(ctx, path, bus.PropertiesInterface, "GetAll", "")
	if err := reply.Store(&props); err != nil {
		return unitRead{}, fmt.Errorf("read properties of unit %s: %w", name, err)
	}

	id, _ := props["Id"].Value().(string)
	state := apply(State{Unit: name}, props)
	return unitRead{name: name, id: id, path: path, state: state, since: seq}, nil
}

// parallel runs f for 0..n-1, readers at a time, and joins the errors.
func parallel(n int, f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, readers)
		errs = make([]error, n)
	)

	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
