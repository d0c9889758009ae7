package watch

import (
	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// State is what a Watcher knows of one unit: the properties of systemd's
// Unit interface and of the unit's type (Service, Socket, ...) that tell
// how it is doing. Fields a unit's type lacks stay zero.
type State struct {
	// Unit is the unit's name as it was asked for; for a Watcher of every
	// unit, its primary name.
	Unit string

	// LoadState is empty while systemd has not loaded the unit (it is
	// then inactive, as systemctl reports).
	LoadState   unit.LoadState
	ActiveState unit.ActiveState
	SubState    string

	// Result is how the unit's last run ended ("success", "exit-code",
	// ...), for types that have one: not targets, slices or devices.
	Result unit.Result

	// InvocationID identifies the current or last run.
	InvocationID unit.InvocationID

	// JobID is the unit's pending job, 0 when it has none.
	JobID uint32

	// Service units only.
	MainPID        uint32 // 0 when there is no main process
	ControlPID     uint32 // 0 when there is no control process
	ExecMainCode   unit.ExitCode
	ExecMainStatus int32 // exit status for CodeExited, signal otherwise
	StatusText     string
	StatusErrno    int32
	NRestarts      uint32
}

// Loaded tells whether systemd has the unit loaded.
func (s State) Loaded() bool { return s.LoadState != "" }

// Field names that Changed.Fields lists, as in State.
const (
	FieldLoadState      = "LoadState"
	FieldActiveState    = "ActiveState"
	FieldSubState       = "SubState"
	FieldResult         = "Result"
	FieldInvocationID   = "InvocationID"
	FieldJobID          = "JobID"
	FieldMainPID        = "MainPID"
	FieldControlPID     = "ControlPID"
	FieldExecMainCode   = "ExecMainCode"
	FieldExecMainStatus = "ExecMainStatus"
	FieldStatusText     = "StatusText"
	FieldStatusErrno    = "StatusErrno"
	FieldNRestarts      = "NRestarts"
)

// diff returns the names of the fields that differ between a and b, in the
// order State declares them; nil when none does.
func diff(a, b State) []string {
	var fields []string
	add := func(differs bool, name string) {
		if differs {
			fields = append(fields, name)
		}
	}

	add(a.LoadState != b.LoadState, FieldLoadState)
	add(a.ActiveState != b.ActiveState, FieldActiveState)
	add(a.SubState != b.SubState, FieldSubState)
	add(a.Result != b.Result, FieldResult)
	add(a.InvocationID != b.InvocationID, FieldInvocationID)
	add(a.JobID != b.JobID, FieldJobID)
	add(a.MainPID != b.MainPID, FieldMainPID)
	add(a.ControlPID != b.ControlPID, FieldControlPID)
	add(a.ExecMainCode != b.ExecMainCode, FieldExecMainCode)
	add(a.ExecMainStatus != b.ExecMainStatus, FieldExecMainStatus)
	add(a.StatusText != b.StatusText, FieldStatusText)
	add(a.StatusErrno != b.StatusErrno, FieldStatusErrno)
	add(a.NRestarts != b.NRestarts, FieldNRestarts)
	return fields
}

// notLoaded is the state of a unit systemd has not loaded.
func notLoaded(name string) State {
	return State{Unit: name, ActiveState: unit.Inactive, SubState: "dead"}
}

// stateRaw holds the properties State is made of, as they are on the wire.
// The names are shared by the Unit interface and the type interfaces,
// each of which has only some of them.
type stateRaw struct {
	LoadState      string `dbus:"LoadState"`
	ActiveState    string `dbus:"ActiveState"`
	SubState       string `dbus:"SubState"`
	Result         string `dbus:"Result"`
	InvocationID   []byte `dbus:"InvocationID"`
	Job            jobRaw `dbus:"Job"`
	MainPID        uint32 `dbus:"MainPID"`
	ControlPID     uint32 `dbus:"ControlPID"`
	ExecMainCode   int32  `dbus:"ExecMainCode"`
	ExecMainStatus int32  `dbus:"ExecMainStatus"`
	StatusText     string `dbus:"StatusText"`
	StatusErrno    int32  `dbus:"StatusErrno"`
	NRestarts      uint32 `dbus:"NRestarts"`
}

// jobRaw is a unit's Job property (uo).
type jobRaw struct {
	ID   uint32
	Path dbus.ObjectPath
}

// apply returns s updated with the properties in props, which may hold
// any subset of them. A property of an unexpected type is left out: a
// newer systemd may have retyped it, and the rest is still good.
func apply(s State, props map[string]dbus.Variant) State {
	raw := s.raw()
	if _, err := bus.Decode(props, &raw); err != nil {
		raw = s.raw()
		for name, v := range props {
			_, _ = bus.Decode(map[string]dbus.Variant{name: v}, &raw)
		}
	}
	return raw.state(s.Unit)
}

func (s State) raw() stateRaw {
	return stateRaw{
		LoadState:      string(s.LoadState),
		ActiveState:    string(s.ActiveState),
		SubState:       s.SubState,
		Result:         string(s.Result),
		InvocationID:   s.InvocationID[:],
		Job:            jobRaw{ID: s.JobID},
		MainPID:        s.MainPID,
		ControlPID:     s.ControlPID,
		ExecMainCode:   int32(s.ExecMainCode),
		ExecMainStatus: s.ExecMainStatus,
		StatusText:     s.StatusText,
		StatusErrno:    s.StatusErrno,
		NRestarts:      s.NRestarts,
	}
}

func (r stateRaw) state(name string) State {
	var id unit.InvocationID
	copy(id[:], r.InvocationID)

	return State{
		Unit:           name,
		LoadState:      unit.LoadState(r.LoadState),
		ActiveState:    unit.ActiveState(r.ActiveState),
		SubState:       r.SubState,
		Result:         unit.Result(r.Result),
		InvocationID:   id,
		JobID:          r.Job.ID,
		MainPID:        r.MainPID,
		ControlPID:     r.ControlPID,
		ExecMainCode:   unit.ExitCode(r.ExecMainCode),
		ExecMainStatus: r.ExecMainStatus,
		StatusText:     r.StatusText,
		StatusErrno:    r.StatusErrno,
		NRestarts:      r.NRestarts,
	}
}
