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

	u.state = apply(u.state, pc.Changed)
	if pc.Interface == bus.UnitInterface {
		w.report(u)
	}
}

// unitInterface tells whether iface is the Unit interface or a unit type's.
func unitInterface(iface string) bool {
	return strings.HasPrefix(iface, "org.freedesktop.systemd1.") &&
		iface != bus.ManagerInterface && iface != bus.JobInterface
}

// report tells the reader about the fields of a unit that changed since it
// was last told.
func (w *Watcher) report(u *tracked) {
	fields := diff(u.reported, u.state)
	if fields == nil {
		return
	}

	u.reported = u.state
	name := u.state.Unit
	w.emit(Changed{Unit: name, State: u.state, Fields: fields}, name)
}

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

// load reads a unit that was loaded at path, as of the signal or reply
// numbered since, and reports it as Added.
//
// It asks for the unit by name first, which does not load it. Reading the
// object path of a unit that systemd unloaded meanwhile, as it soon does
// with one nothing needs, would load it again: systemd would announce it
// anew, the Watcher would read it again, and so on for ever. A unit gone
// already is not read: the signals it sent while it was loaded, queued
// behind this one, tell its changes, and its UnitRemoved its end.
func (w *Watcher) load(u *tracked, path dbus.ObjectPath, since dbus.Sequence) error {
	r, err := readUnit(w.ctx, w.conn, u.state.Unit, "", since)
	if err != nil {
		return err
	}
	if !r.state.Loaded() {
		w.byPath[path] = u
		return nil
	}

	w.set(u, r)
	name := u.state.Unit
	w.emit(Added{Unit: name, State: u.state}, name)
	return nil
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

// unload records that a unit is no longer loaded and reports it.
func (w *Watcher) unload(u *tracked) {
	name := u.state.Unit
	u.state, u.reported = notLoaded(name), notLoaded(name)
	if w.all {
		w.forget(u)
	}
	w.emit(Removed{Unit: name}, name)
}

func (w *Watcher) jobNew(sig *dbus.Signal) {
	s, err := bus.ParseJobNew(sig)
	if err != nil {
		return
	}

	if name, ok := w.jobUnit(s.Unit); ok {
		w.emit(JobStarted{Unit: name, ID: s.ID}, name)
	}
}

func (w *Watcher) jobRemoved(sig *dbus.Signal) {
	s, err := bus.ParseJobRemoved(sig)
	if err != nil {
		return
	}

	if name, ok := w.jobUnit(s.Unit); ok {
		w.emit(JobFinished{Unit: name, ID: s.ID, Result: unit.JobResult(s.Result)}, name)
	}
}

// jobUnit returns the name under which a job signal about the unit id is
// reported, and whether it is. Job signals are reported even when they are
// older than the unit's state: they tell of jobs, which a state read after
// them does not show.
func (w *Watcher) jobUnit(id string) (string, bool) {
	u := w.byID[id]
	if u == nil {
		return id, w.all
	}
	return u.state.Unit, true
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
