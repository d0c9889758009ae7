package watch

import (
	"fmt"

	"github.com/gostemd/gostemd/unit"
)

// Event is one item of a Watcher's stream: Changed, Added, Removed,
// JobStarted, JobFinished or Resync.
type Event interface {
	event()
}

// Changed says that some of a unit's State changed.
type Changed struct {
	Unit string

	// State is the unit's state after the change.
	State State

	// Fields names the fields of State that changed (FieldActiveState,
	// FieldMainPID, ...), in the order State declares them.
	Fields []string
}

// Added says that systemd loaded a unit: a new transient unit, a unit
// something refers to, a unit file that appeared and was asked for.
// systemd announces a unit without its state, so the Watcher reads it; but
// when the unit signals a change before that read is answered, as a start
// that runs at once does, State is the state that first change gives, and
// the changes after it follow as Changed events, none folded into another.
// Otherwise State is the state as read.
type Added struct {
	Unit  string
	State State
}

// Removed says that systemd unloaded a unit, as it does with an inactive
// unit nothing refers to. Its state is now that of a unit not loaded.
type Removed struct {
	Unit string
}

// JobStarted says that systemd queued a job for a unit.
type JobStarted struct {
	Unit string
	ID   uint32
}

// JobFinished says that a unit's job ended. Result JobDone does not mean
// that the unit is running: a start job is done once the unit left the
// activating state, whatever came next.
type JobFinished struct {
	Unit   string
	ID     uint32
	Result unit.JobResult
}

// Resync gives the current state of units after a gap in the stream, and
// first of all, the state the Watcher started from. Whatever the reader
// knew of the units in States is to be replaced; changes in between may
// never be reported one by one. The Watcher reads a unit's properties one
// by one, all sent at once, so a unit changing during the read may show a
// mix of the moments systemd answered them; the events that follow start
// from there and only move forward.
type Resync struct {
	Reason Reason

	// States holds one State per unit concerned, sorted by name: every
	// watched unit except when Reason is FellBehind, where only the units
	// whose events were dropped appear, or MissedEnd, where only the unit
	// concerned does. For a Watcher of every unit, the
	// units systemd has loaded.
	States []State
}

func (Changed) event()     {}
func (Added) event()       {}
func (Removed) event()     {}
func (JobStarted) event()  {}
func (JobFinished) event() {}
func (Resync) event()      {}

// Reason says why a Resync was sent.
type Reason int

const (
	// Initial is the first event of every Watcher: the state of the
	// watched units when it started.
	Initial Reason = iota

	// FellBehind says that the reader did not keep up: events were
	// dropped once the Watcher's buffer was full.
	FellBehind

	// Reconnected says that the connection to systemd was lost and set up
	// again: signals sent meanwhile are lost.
	Reconnected

	// Reexecuted says that systemd reexecuted itself (daemon-reexec, or an
	// upgrade) and came back under a new bus connection.
	Reexecuted

	// MissedEnd says that a unit started a new run while the last state
	// reported was its previous run still active: how that run ended was
	// never signalled to the Watcher. States holds that unit only.
	MissedEnd
)

func (r Reason) String() string {
	switch r {
	case Initial:
		return "initial"
	case FellBehind:
		return "fell behind"
	case Reconnected:
		return "reconnected"
	case Reexecuted:
		return "systemd reexecuted"
	case MissedEnd:
		return "missed the end of a run"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}
