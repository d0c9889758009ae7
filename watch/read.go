package watch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
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

	// answered holds, for a read made of several calls, the sequence
	// number of the reply each property came from (see readPath).
	answered answers

	// unread is set when only the unit's path is known: its properties
	// are still to be read.
	unread bool
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
		return readPath(ctx, conn, name, path, stateGets(name))
	}

	r, err := findUnit(ctx, conn, name, seq)
	if err != nil || !r.unread {
		return r, err
	}
	return readPath(ctx, conn, name, r.path, stateGets(name))
}

// findUnit asks systemd for the object path of a unit by name, which does
// not load the unit, as asking its object path for a property would. The
// unit is not loaded when systemd knows no such unit; seq is the sequence
// number of a reply that did not list it. Otherwise the read returned is
// unread: it holds the path, and the state is still to be read.
func findUnit(ctx context.Context, conn *bus.Conn, name string, seq dbus.Sequence) (unitRead, error) {
	var path dbus.ObjectPath
	reply, getSeq := conn.QuerySequenced(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, name)
	err := reply.Store(&path)
	switch {
	case errors.Is(err, gostemd.ErrNoSuchUnit):
		return unitRead{name: name, state: notLoaded(name), since: max(seq, getSeq)}, nil
	case err != nil:
		return unitRead{}, fmt.Errorf("get unit %s: %w", name, err)
	}
	return unitRead{name: name, path: path, state: State{Unit: name}, since: getSeq, unread: true}, nil
}

// readPath reads properties of a loaded unit, those of its State
// (stateGets) or fewer, with one Get each, all sent at once. A GetAll of
// every interface would send back hundreds of properties, all of which
// systemd would compute and the Watcher decode, for each unit loaded.
//
// The replies tell the state at slightly different moments, as systemd
// answers them in turn, and signals may arrive in between. The read is as
// of the first reply: a signal after it is applied, but not to a property
// whose reply came after the signal, and already tells as much or more.
// So the state never goes back, and the signals that follow, each
// carrying every property of State its interface has but LoadState, bring
// it up to date.
//
// NB: reading a unit's object path makes systemd load the unit if it was
// unloaded in the meantime; it is then unloaded again soon, and the
// Watcher reports that as Removed.
func readPath(ctx context.Context, conn *bus.Conn, name string, path dbus.ObjectPath,
	gets []propertyGet,
) (unitRead, error) {
	for attempt := 1; ; attempt++ {
		props, answered, err := getEach(ctx, conn, path, gets)
		switch {
		case err == nil:
			id, _ := props["Id"].Value().(string)
			return unitRead{
				name: name, id: id, path: path,
				state:    apply(State{Unit: name}, props),
				since:    answered.first(),
				answered: answered,
			}, nil
		case !errors.Is(err, gostemd.ErrDisconnected) || attempt == 3 || ctx.Err() != nil:
			return unitRead{}, fmt.Errorf("read properties of unit %s: %w", name, err)
		}
		// The connection dropped: read again over the next one.
	}
}

// propertyGet names one property to Get.
type propertyGet struct{ iface, name string }

// unitStateProps are the properties of the Unit interface that State and
// the unit's primary name come from.
var unitStateProps = []string{"Id", "LoadState", "ActiveState", "SubState", "InvocationID", "Job"}

// typeStateProps are the properties of State on each type's interface.
var typeStateProps = map[unit.Type]struct {
	iface string
	names []string
}{
	unit.TypeService: {bus.ServiceInterface, []string{"Result", "MainPID", "ControlPID",
		"ExecMainCode", "ExecMainStatus", "StatusText", "StatusErrno", "NRestarts"}},
	unit.TypeSocket:    {bus.SocketInterface, []string{"Result", "ControlPID"}},
	unit.TypeMount:     {bus.MountInterface, []string{"Result", "ControlPID"}},
	unit.TypeSwap:      {bus.SwapInterface, []string{"Result", "ControlPID"}},
	unit.TypeScope:     {bus.ScopeInterface, []string{"Result"}},
	unit.TypeTimer:     {bus.TimerInterface, []string{"Result"}},
	unit.TypePath:      {bus.PathInterface, []string{"Result"}},
	unit.TypeAutomount: {bus.AutomountInterface, []string{"Result"}},
}

// loadGets read what no signal carries: the LoadState, and the primary
// name of a unit watched under an alias; and the InvocationID, which tells
// whether the read found the run that the signals told of (loadState).
var loadGets = []propertyGet{
	{bus.UnitInterface, "Id"}, {bus.UnitInterface, "LoadState"}, {bus.UnitInterface, "InvocationID"},
}

// typeState returns the interface and properties of the State that the
// named unit's type has, none for a type without (targets, slices,
// devices).
func typeState(name string) (iface string, props []string) {
	n, err := unit.ParseName(name)
	if err != nil {
		return "", nil
	}
	t := typeStateProps[n.Type()]
	return t.iface, t.names
}

// stateGets lists the Gets that read the State of the named unit: those of
// the Unit interface, then those of its type's.
func stateGets(name string) []propertyGet {
	gets := make([]propertyGet, 0, len(unitStateProps)+8)
	for _, n := range unitStateProps {
		gets = append(gets, propertyGet{bus.UnitInterface, n})
	}

	iface, props := typeState(name)
	for _, prop := range props {
		gets = append(gets, propertyGet{iface, prop})
	}
	return gets
}

// getEach sends the Gets at once and collects their values by property
// name, with the sequence number of each reply. A property this systemd
// lacks is left out.
func getEach(ctx context.Context, conn *bus.Conn, path dbus.ObjectPath, gets []propertyGet,
) (map[string]dbus.Variant, answers, error) {
	pending := make([]*bus.Pending, len(gets))
	for i, g := range gets {
		testHookGet()
		pending[i] = conn.Send(ctx, path, bus.PropertiesInterface, "Get", g.iface, g.name)
	}

	props := make(map[string]dbus.Variant, len(gets))
	answered := make(answers, len(gets))
	var first error
	for i, p := range pending {
		var v dbus.Variant
		err := p.Reply().Store(&v)
		answered[gets[i].name] = p.Sequence()
		switch {
		case err == nil:
			props[gets[i].name] = v
		case errors.Is(err, gostemd.ErrUnknownProperty):
		case first == nil:
			first = fmt.Errorf("get %s: %w", gets[i].name, err)
		}
	}
	return props, answered, first
}

// testHookGet runs before each Get of a unit read; tests slow reads with it.
var testHookGet = func() {}

// answers maps the properties of a read to the sequence numbers of the
// replies that gave them.
type answers map[string]dbus.Sequence

func (a answers) first() dbus.Sequence {
	first := dbus.NoSequence
	for _, seq := range a {
		if first == dbus.NoSequence || seq < first {
			first = seq
		}
	}
	return first
}

func (a answers) last() dbus.Sequence {
	var last dbus.Sequence
	for _, seq := range a {
		last = max(last, seq)
	}
	return last
}

// newer returns the properties of a signal numbered seq that are newer
// than what the read gave: those the read did not give, or whose reply
// came before the signal.
func (a answers) newer(seq dbus.Sequence, props map[string]dbus.Variant) map[string]dbus.Variant {
	fresh := make(map[string]dbus.Variant, len(props))
	for name, v := range props {
		if answered, ok := a[name]; !ok || answered < seq {
			fresh[name] = v
		}
	}
	return fresh
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
