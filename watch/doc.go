// Package watch follows systemd units as they change, driven by systemd's
// own signals: no polling, and nothing to do while nothing happens.
//
// A Watcher covers some units (Units) or every unit (All). Its Events
// stream says when a unit's state changed (Changed, with the fields that
// did), when systemd loaded or unloaded a unit (Added, Removed), and when
// a job for a unit was queued or ended (JobStarted, JobFinished, with a
// typed result). Each event carries Go types: the unit's name and a State
// with its ActiveState, SubState, LoadState, Result, MainPID, StatusText,
// exit status and so on.
//
//	w, err := watch.Units(ctx, m, "web.service", "db.service")
//	...
//	defer w.Close()
//	for e := range w.Events() {
//		switch e := e.(type) {
//		case watch.Resync:
//			// the state of the units, first when the watch starts
//		case watch.Changed:
//			fmt.Println(e.Unit, e.State.ActiveState, e.Fields)
//		}
//	}
//
// Until, UntilActive and UntilStopped wait for a unit's state. They watch
// before they read the unit's state, so they cannot miss a change that
// happens in between.
//
// # Order and gaps
//
// Events about a unit arrive in the order systemd sent them. A Watcher
// never makes systemd, the connection or other readers wait: it holds up to
// Options.Buffer events for its reader. When the reader falls further
// behind, the Watcher drops events until the reader is back, and then sends
// a Resync (Reason FellBehind) with the current state of every unit whose
// events it dropped. Events follow again in order from there. So a reader
// either sees every change, or is told that it missed some and what the
// state is now.
//
// A Watcher also sends a Resync (Reason MissedEnd) for a unit that starts
// a new run while the last state reported was its previous run, still
// active: how that run ended never reached the Watcher. That has been seen
// on a heavily loaded machine, with no other sign of trouble.
//
// NB: the cause of such a gap is not known: systemd may not have sent
// the changes, or they were lost on the way. Changes lost within one run
// leave no such trace and go unreported.
//
// When the connection to systemd is lost and set up again, or systemd
// reexecutes (daemon-reexec), signals may have been lost: the Watcher reads
// the state of its units again and sends a Resync (Reconnected or
// Reexecuted) before further events. A daemon-reload makes systemd unload
// and load again every unit; the Watcher reports only the units that
// really came or went, and changes of LoadState.
//
// systemd announces a unit it loads (UnitNew) without its state. The
// Watcher then reads the unit, and reports it as Added at the first state
// it learns: from the first change the unit signals, when one comes before
// the read is answered, else from the read. Every change after that one is
// reported. A unit that systemd unloads again before it signals a change
// or is read, as it does within milliseconds with one that nothing needs
// (after systemctl show of a stopped unit, say), is not reported at all:
// to the reader, nothing changed.
//
// The read asks for the unit by name first, because reading the object
// path of a unit that is gone would make systemd load it again, and
// announce it again, without end. When the changes the unit signalled by
// the time that answer came carry its state, as those of a unit loaded to
// be started do, the Watcher reads only its LoadState, which no signal
// carries, and holds those changes back until it knows it.
//
// # Cost
//
// A Watcher costs one goroutine. A Watcher of up to 32 named units has
// the bus send it only their signals and systemd's Manager signals, with
// one match rule for each unit, and one for the Manager signals that such
// Watchers of a connection share (dbus-daemon allows 512 rules per
// connection by default): the property changes of other units, most of the
// traffic on a busy machine, never reach it. A Watcher of more units, of
// every unit, or of a unit under an alias (whose changes come from the
// object of its primary name), and one that finds no room left on its
// connection for a rule per unit, has one rule for every signal systemd
// sends under /org/freedesktop/systemd1, and keeps those about its units.
// It reads the units' state when it starts, after a reconnect, and when a
// unit is loaded; otherwise it only listens. systemd sends unit signals
// only to subscribed clients, so a Watcher keeps the connection subscribed
// (Manager.Subscribe) while it runs.
//
// A Watcher with rules of its own is handed only the signals about its
// units, and those that start and end a reload, even when the connection
// receives more for its other users: in the test bed, a daemon-reload cost
// a connection with 500 such Watchers and one Watcher of every unit 73 ms
// of CPU. A Watcher with one rule for all units decodes every signal
// systemd sends, among them the hundreds of a daemon-reload, which
// announces every unit again: about 1 ms of CPU per such Watcher and
// reload. Watch many units with one Watcher rather than one Watcher each.
//
// # Compatibility
//
// Tested against systemd 252 and 257.
package watch
