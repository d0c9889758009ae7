package watch

import (
	"slices"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// tracked is what a Watcher keeps about one unit.
type tracked struct {
	// state is the unit's state as the signals handled so far make it;
	// reported is the state the reader has been told about.
	state    State
	reported State

	// since is the sequence number of the reply that state was last read
	// from: signals numbered below it were sent before, and are stale.
	// answered tells, for a read of several replies, which property came
	// from which; until the last of them, a signal only changes the
	// properties read before it.
	since    dbus.Sequence
	answered answers

	// id is systemd's primary name for the unit, known once it was read
	// while loaded; it differs from state.Unit for a unit watched under an
	// alias.
	id string

	// announced is the read made when systemd last announced the unit,
	// until the Watcher has handled the signals sent before its answer.
	announced *unitRead

	// held are job events about the unit, kept back while its Added waits,
	// and changes kept back while its LoadState is read (heldState).
	held []Event

	// signalled tells which interfaces of an announced unit sent changes
	// while the Watcher looked for its object path.
	signalled signalled
}

// probing tells whether the Watcher found the object path of a unit
// systemd announced, and has yet to read its properties.
func (u *tracked) probing() bool {
	return u.announced != nil && u.announced.unread
}

// signalled records whether the Unit interface and the type's interface
// of a unit sent changes.
type signalled struct{ unit, typ bool }

func (s *signalled) note(iface string) {
	if iface == bus.UnitInterface {
		s.unit = true
	} else {
		s.typ = true
	}
}

// told tells whether the changes recorded carry every property of the
// named unit's State but its LoadState: each PropertiesChanged carries all
// of those its interface has.
func (s signalled) told(name string) bool {
	iface, _ := typeState(name)
	return s.unit && (s.typ || iface == "")
}

// table indexes the watched units. A table of every unit (all) grows and
// shrinks as systemd loads and unloads units; otherwise it holds exactly
// the units asked for.
type table struct {
	all    bool
	units  map[string]*tracked // by the name events carry
	byPath map[dbus.ObjectPath]*tracked
	byID   map[string]*tracked // by every name systemd may use
}

func newTable(names []string) table {
	t := table{
		all:    len(names) == 0,
		units:  make(map[string]*tracked),
		byPath: make(map[dbus.ObjectPath]*tracked),
		byID:   make(map[string]*tracked),
	}

	for _, name := range names {
		if _, dup := t.units[name]; !dup {
			t.track(name)
		}
	}
	return t
}

// track adds a unit that is not loaded. Its object path is derived from
// its name until a read says otherwise (for an alias).
func (t *table) track(name string) *tracked {
	u := &tracked{state: notLoaded(name), reported: notLoaded(name)}
	t.units[name] = u
	t.byID[name] = u
	t.byPath[bus.UnitPath(name)] = u
	return u
}

// forget drops a unit from a table of every unit.
func (t *table) forget(u *tracked) {
	name := u.state.Unit
	delete(t.units, name)
	for id, v := range t.byID {
		if v == u {
			delete(t.byID, id)
		}
	}
	for p, v := range t.byPath {
		if v == u {
			delete(t.byPath, p)
		}
	}
}

// names returns the watched names, or nil for a table of every unit.
func (t *table) names() []string {
	if t.all {
		return nil
	}
	names := make([]string, 0, len(t.units))
	for name := range t.units {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// lookup finds the unit a signal names, by name or by object path.
func (t *table) lookup(name string, path dbus.ObjectPath) *tracked {
	if u := t.byID[name]; u != nil {
		return u
	}
	return t.byPath[path]
}

// set records what a read found.
func (t *table) set(u *tracked, r unitRead) {
	u.state, u.reported, u.since, u.answered = r.state, r.state, r.since, r.answered
	t.locate(u, r)
}

// locate records the object path and primary name a read found.
func (t *table) locate(u *tracked, r unitRead) {
	if r.path != "" {
		t.byPath[r.path] = u
	}
	if r.id != "" {
		u.id = r.id
		t.byID[r.id] = u
	}
}

// replace records a full read of the watched units. A table of every unit
// ends up holding exactly the units read.
func (t *table) replace(reads []unitRead) {
	if t.all {
		fresh := newTable(nil)
		for _, r := range reads {
			fresh.set(fresh.track(r.name), r)
		}
		*t = fresh
		return
	}

	for _, r := range reads {
		if u := t.units[r.name]; u != nil {
			t.set(u, r)
		}
	}
}

// states returns the state of every watched unit, sorted by name. A table
// of every unit leaves out those announced but not yet known as loaded.
func (t *table) states() []State {
	states := make([]State, 0, len(t.units))
	for _, u := range t.units {
		if t.all && !u.state.Loaded() {
			continue
		}
		states = append(states, u.state)
	}
	sortStates(states)
	return states
}

// stateOf returns a unit's state; a unit the table dropped is not loaded.
func (t *table) stateOf(name string) State {
	if u := t.units[name]; u != nil {
		return u.state
	}
	return notLoaded(name)
}

func sortStates(states []State) {
	slices.SortFunc(states, func(a, b State) int {
		switch {
		case a.Unit < b.Unit:
			return -1
		case a.Unit > b.Unit:
			return 1
		}
		return 0
	})
}

// lag is a Watcher's state while it is behind: the Resync it owes the
// reader.
type lag struct {
	reason Reason
	all    bool            // the Resync covers every watched unit
	units  map[string]bool // else these
	dirty  bool            // next must be rebuilt
	next   Resync
}

func newLag(reason Reason) *lag {
	return &lag{reason: reason, units: make(map[string]bool), dirty: true}
}

// add records that an event about the unit was dropped.
func (l *lag) add(name string) {
	l.units[name] = true
	l.dirty = true
}

// resync returns the Resync owed, with the current state of its units.
func (l *lag) resync(t *table) Event {
	if !l.dirty {
		return l.next
	}

	l.next = Resync{Reason: l.reason}
	if l.all {
		l.next.States = t.states()
	} else {
		for name := range l.units {
			l.next.States = append(l.next.States, t.stateOf(name))
		}
		sortStates(l.next.States)
	}
	l.dirty = false
	return l.next
}
