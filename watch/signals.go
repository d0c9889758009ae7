package watch

import (
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// unitPaths is the prefix of every unit's object path.
const unitPaths = string(bus.UnitPathPrefix) + "/"

// propertiesChanged updates a unit's state. systemd sends the properties
// of the unit's type interface first, then those of the Unit interface,
// on every change; the Changed event waits for the second, so one change
// makes one event.
func (w *Watcher) propertiesChanged(sig *dbus.Signal) {
	if !strings.HasPrefix(string(sig.Path), unitPaths) {
		return
	}
	u := w.byPath[sig.Path]
	if u == nil || stale(u, sig) {
		return
	}

	pc, err := bus.ParsePropertiesChanged(sig)
	if err != nil || !unitInterface(pc.Interface) {
		return
	}

	changed := pc.Changed
	if u.answered != nil {
		if sig.Sequence > u.answered.last() {
			u.answered = nil
		} else {
			changed = u.answered.newer(sig.Sequence, changed)
		}
	}
	u.state = apply(u.state, changed)
	probing := u.probing()
	if probing {
		u.signalled.note(pc.Interface)
	}
	switch {
	case pc.Interface != bus.UnitInterface:
	case probing:
		// The LoadState is read next: the change waits for it.
		u.held = append(u.held, heldState{u.state})
	default:
		if u.announced != nil && !u.state.Loaded() {
			u.state.LoadState = u.announced.loadState(u.state)
		}
		w.report(u)
	}
}

// unitInterface tells whether iface is the Unit interface or a unit type's.
func unitInterface(iface string) bool {
	return strings.HasPrefix(iface, "org.freedesktop.systemd1.") &&
		iface != bus.ManagerInterface && iface != bus.JobInterface
}

// report tells the reader about the fields of a unit that changed since it
// was last told, or that the unit is loaded, when it last heard otherwise.
func (w *Watcher) report(u *tracked) {
	if u.state.Loaded() && !u.reported.Loaded() {
		w.added(u)
		return
	}

	fields := diff(u.reported, u.state)
	if fields == nil {
		return
	}

	missed := missedEnd(u.reported, u.state)
	u.reported = u.state
	name := u.state.Unit
	if missed {
		w.emit(Resync{Reason: MissedEnd, States: []State{u.state}}, name)
		return
	}
	w.emit(Changed{Unit: name, State: u.state, Fields: fields}, name)
}

// missedEnd tells whether a unit went from one state to the other without
// the end of a run in between: a new invocation while the last one was
// still active or reloading. Going from there to a new run takes a stop,
// which systemd normally signals as deactivating or inactive; when neither
// came, the reader cannot know how the run ended, whether systemd left the
// change out or the signals were lost on the way.
func missedEnd(from, to State) bool {
	return !from.InvocationID.IsZero() && !to.InvocationID.IsZero() &&
		from.InvocationID != to.InvocationID &&
		(from.ActiveState == unit.Active || from.ActiveState == unit.Reloading)
}

// added reports a unit as loaded, then the job events held for it.
func (w *Watcher) added(u *tracked) {
	u.reported = u.state
	name := u.state.Unit
	w.emit(Added{Unit: name, State: u.state}, name)
	w.release(u)
}

// release emits the job events held while the unit's Added waited. The
// changes held with them are dropped: the state now known supersedes them.
func (w *Watcher) release(u *tracked) {
	held := u.held
	u.held = nil
	for _, e := range held {
		if _, ok := e.(heldState); !ok {
			w.emit(e, u.state.Unit)
		}
	}
}

// replay reports the changes a unit signalled before its LoadState was
// known, each with the LoadState now known, and the job events among
// them, in the order they came. Changes of the type's interface signalled
// after the last of them wait, as ever, for the Unit interface's.
func (w *Watcher) replay(u *tracked, loadState unit.LoadState) {
	current := u.state
	held := u.held
	u.held = nil
	for _, e := range held {
		h, ok := e.(heldState)
		switch {
		case ok:
			u.state = h.state
			u.state.LoadState = loadState
			w.report(u)
		case u.reported.Loaded():
			w.emit(e, current.Unit)
		default:
			// A job event before the first change waits for Added,
			// which releases it.
			u.held = append(u.held, e)
		}
	}

	u.state = current
	u.state.LoadState = loadState
}

// heldState is a change kept back among a unit's held events.
type heldState struct{ state State }

func (heldState) event() {}

// unitNew reads a unit systemd just loaded. During a reload it only notes
// the unit: systemd then sends UnitNew for units it merely reloaded.
func (w *Watcher) unitNew(sig *dbus.Signal) error {
	s, err := bus.ParseUnitNew(sig)
	if err != nil {
		return nil
	}

	u := w.lookup(s.Unit, s.Path)
	if u == nil && w.all {
		u = w.track(s.Unit)
	}
	if u == nil || stale(u, sig) {
		return nil
	}

	if w.reload != nil {
		w.reload.touch(u)
		return nil
	}
	return w.load(u, s.Path, sig.Sequence)
}

// load reads a unit that systemd announced, at path, in the signal or
// reply numbered since. UnitNew carries no state, hence the read, made in
// two steps.
//
// load asks for the unit by name first, which does not load it. Reading
// the object path of a unit that systemd unloaded meanwhile, as it soon
// does with one nothing needs, would load it again: systemd would announce
// it anew, the Watcher would read it again, and so on for ever.
//
// The Watcher then handles the signals that arrived before that answer, as
// a Mark queued behind them tells, and reads the properties (readAnnounced).
func (w *Watcher) load(u *tracked, path dbus.ObjectPath, since dbus.Sequence) error {
	testHookLoad()
	r, err := findUnit(w.ctx, w.conn, u.state.Unit, since)
	if err != nil {
		return err
	}

	w.byPath[path] = u
	w.locate(u, r)
	u.since = max(u.since, since)
	u.signalled = signalled{}
	u.announced = &r
	w.announcing = append(w.announcing, u)
	w.sub.Mark(u.announced)
	return nil
}

// readAnnounced reads a unit that systemd announced, whose object path the
// Watcher found, now that it has handled the signals sent before.
//
// When those signals told the unit's state, as they do for a unit loaded
// to be started, only what no signal carries is read: the LoadState, which
// the changes held meanwhile are then reported with (see loadState: the
// unit may be gone already). That saves a dozen calls for each
// short-lived unit on a busy machine.
//
// Otherwise the whole State is read. Signals that arrive while the read is
// under way tell the unit's first changes, which the read's answer already
// folds together. So the Watcher handles those signals first, as they
// come, reporting the unit as Added at the first state one of them gives.
// Once it has handled them all, as the Mark queued behind them or any
// later signal tells it, it reports what the read adds (announced).
func (w *Watcher) readAnnounced(u *tracked) error {
	found := u.announced
	name := u.state.Unit
	if u.signalled.told(name) {
		r, err := readPath(w.ctx, w.conn, name, found.path, loadGets)
		if err != nil {
			return err
		}
		w.locate(u, r)
		u.announced = nil
		w.replay(u, r.loadState(u.state))
		return nil
	}

	r, err := readPath(w.ctx, w.conn, name, found.path, stateGets(name))
	if err != nil {
		return err
	}
	w.locate(u, r)
	u.announced = &r
	w.sub.Mark(u.announced)
	return nil
}

// loadState is the LoadState of a unit in state s, which systemd announced
// while the read made then was under way: no PropertiesChanged carries it.
// It is the read's, unless the read found another run of the unit, or none:
// systemd may have unloaded the unit before the read, which then loaded it
// anew (see readPath), as a unit that is not running, and whose unit file
// may be gone, as a transient unit's is.
//
// NB: otherwise the LoadState is not known. It is given as LoadLoaded, the
// likely one, since most changes come from a run and systemd runs only a
// unit that loaded well; but a stop job queued for a unit with no unit
// file, say, makes it wrong.
func (r *unitRead) loadState(s State) unit.LoadState {
	if r.state.Loaded() && r.state.InvocationID == s.InvocationID {
		return r.state.LoadState
	}
	return unit.LoadLoaded
}

// testHookLoad runs before the read of a unit systemd announced; tests
// delay that read with it.
var testHookLoad = func() {}

// announce reports the reads of announced units whose answers the Watcher
// is through with, as done tells, or goes on to read their properties.
func (w *Watcher) announce(done func(*unitRead) bool) error {
	if len(w.announcing) == 0 {
		return nil
	}

	pending := w.announcing[:0]
	for _, u := range w.announcing {
		switch {
		case u.announced == nil:
		case !done(u.announced):
			pending = append(pending, u)
		case u.announced.unread:
			if err := w.readAnnounced(u); err != nil {
				return err
			}
			if u.announced != nil {
				pending = append(pending, u)
			}
		default:
			w.announced(u)
		}
	}
	clear(w.announcing[len(pending):])
	w.announcing = pending
	return nil
}

// announced reports the read of a unit systemd announced, now that the
// Watcher handled every signal systemd sent before it answered: reported
// as Added already when one of them gave its state, else now. A unit
// unloaded before the read had its UnitRemoved handled among them.
func (w *Watcher) announced(u *tracked) {
	r := u.announced
	u.announced = nil
	u.since = max(u.since, r.since)
	if !r.state.Loaded() {
		w.release(u)
		return
	}

	u.state, u.answered = r.state, r.answered
	w.report(u)
	w.release(u)
}

// unannounce forgets the announcements pending, whose reads a full read
// replaces, and lets out the job events they held.
func (w *Watcher) unannounce() {
	for _, u := range w.announcing {
		u.announced = nil
		w.release(u)
	}
	clear(w.announcing)
	w.announcing = w.announcing[:0]
}

// unitRemoved reports a unit systemd unloaded, except during a reload.
func (w *Watcher) unitRemoved(sig *dbus.Signal) {
	s, err := bus.ParseUnitRemoved(sig)
	if err != nil {
		return
	}

	u := w.lookup(s.Unit, s.Path)
	if u == nil || stale(u, sig) {
		return
	}

	if w.reload != nil {
		w.reload.touch(u)
		return
	}
	w.unload(u)
}

// unload records that a unit is no longer loaded and reports it, unless
// the reader was never told that it was: a unit systemd unloaded before
// it sent any change.
func (w *Watcher) unload(u *tracked) {
	if u.probing() && u.signalled.unit {
		// Changes held for a LoadState that is no longer there to
		// read: the unit ran, so it was most likely loaded.
		w.replay(u, unit.LoadLoaded)
	}

	name := u.state.Unit
	told := u.reported.Loaded()
	u.state, u.reported = notLoaded(name), notLoaded(name)
	u.announced = nil
	if w.all {
		w.forget(u)
	}
	w.release(u)
	if told {
		w.emit(Removed{Unit: name}, name)
	}
}

func (w *Watcher) jobNew(sig *dbus.Signal) {
	s, err := bus.ParseJobNew(sig)
	if err != nil {
		return
	}

	w.jobEvent(s.Unit, func(name string) Event { return JobStarted{Unit: name, ID: s.ID} })
}

func (w *Watcher) jobRemoved(sig *dbus.Signal) {
	s, err := bus.ParseJobRemoved(sig)
	if err != nil {
		return
	}

	w.jobEvent(s.Unit, func(name string) Event {
		return JobFinished{Unit: name, ID: s.ID, Result: unit.JobResult(s.Result)}
	})
}

// jobEvent reports a job signal about the unit id, if the Watcher covers
// it, with the event built for the unit's name. Job signals are
// reported even when they are older than the unit's state: they tell of
// jobs, which a state read after them does not show. Those about a unit
// whose Added is still to come are held until it has gone out.
func (w *Watcher) jobEvent(id string, event func(name string) Event) {
	u := w.byID[id]
	switch {
	case u == nil && w.all:
		w.emit(event(id), id)
	case u == nil:
	case u.announced != nil && !u.reported.Loaded():
		u.held = append(u.held, event(u.state.Unit))
	default:
		w.emit(event(u.state.Unit), u.state.Unit)
	}
}

// reloadState collects the units systemd unloaded or loaded while it
// reloads or reexecutes.
type reloadState struct {
	touched []*tracked
	seen    map[*tracked]bool
}

func (r *reloadState) touch(u *tracked) {
	if !r.seen[u] {
		r.seen[u] = true
		r.touched = append(r.touched, u)
	}
}

// reloading starts or ends a reload. At its end, one ListUnits tells which
// of the units unloaded or loaded meanwhile are loaded now, and with
// which LoadState, which a reload may change but no signal carries.
func (w *Watcher) reloading(sig *dbus.Signal) error {
	active, err := bus.ParseReloading(sig)
	switch {
	case err != nil:
		return nil
	case active:
		w.reload = &reloadState{seen: make(map[*tracked]bool)}
		return nil
	case w.reload == nil:
		return nil
	}

	r := w.reload
	w.reload = nil
	if len(r.touched) == 0 {
		return nil
	}
	return w.settle(r)
}

// settle reports what a reload changed for the units it touched.
func (w *Watcher) settle(r *reloadState) error {
	listed, seq, err := listUnits(w.ctx, w.conn)
	if err != nil {
		return err
	}

	for _, u := range r.touched {
		st, loaded := listed[u.primary()]
		switch {
		case loaded && !u.state.Loaded():
			if err := w.load(u, st.Path, seq); err != nil {
				return err
			}
		case loaded:
			u.state.LoadState = unit.LoadState(st.LoadState)
			w.report(u)
		case u.state.Loaded():
			w.unload(u)
		case w.all:
			w.forget(u)
		}
	}
	return nil
}

// primary returns the name ListUnits lists the unit under.
func (u *tracked) primary() string {
	if u.id != "" {
		return u.id
	}
	return u.state.Unit
}
