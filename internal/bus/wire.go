package bus

import (
	"fmt"
	"reflect"

	"github.com/godbus/dbus/v5"
)

// Methods of ManagerInterface. Their signatures are in
// org.freedesktop.systemd1(5).
const (
	GetUnit               = "GetUnit"               // (s) -> o
	GetUnitByPID          = "GetUnitByPID"          // (u) -> o
	GetUnitByInvocationID = "GetUnitByInvocationID" // (ay) -> o
	LoadUnit              = "LoadUnit"              // (s) -> o
	StartUnit             = "StartUnit"             // (ss) -> o
	StopUnit              = "StopUnit"              // (ss) -> o
	ReloadUnit            = "ReloadUnit"            // (ss) -> o
	RestartUnit           = "RestartUnit"           // (ss) -> o
	TryRestartUnit        = "TryRestartUnit"        // (ss) -> o
	ReloadOrRestartUnit   = "ReloadOrRestartUnit"   // (ss) -> o
	KillUnit              = "KillUnit"              // (ssi)
	ResetFailedUnit       = "ResetFailedUnit"       // (s)
	FreezeUnit            = "FreezeUnit"            // (s)
	ThawUnit              = "ThawUnit"              // (s)
	RefUnit               = "RefUnit"               // (s)
	UnrefUnit             = "UnrefUnit"             // (s)
	SetUnitProperties     = "SetUnitProperties"     // (sba(sv))
	StartTransientUnit    = "StartTransientUnit"    // (ssa(sv)a(sa(sv))) -> o
	ListUnits             = "ListUnits"             // () -> a(ssssssouso)
	ListUnitsByNames      = "ListUnitsByNames"      // (as) -> a(ssssssouso)
	ListJobs              = "ListJobs"              // () -> a(usssoo)
	GetJob                = "GetJob"                // (u) -> o
	CancelJob             = "CancelJob"             // (u)
	Subscribe             = "Subscribe"             // ()
	Unsubscribe           = "Unsubscribe"           // ()
	Reload                = "Reload"                // ()
	Reexecute             = "Reexecute"             // (), answered by disconnecting
)

// UnitStatus is one unit as ListUnits and ListUnitsByNames return it
// (ssssssouso).
type UnitStatus struct {
	Name        string
	Description string
	LoadState   string
	ActiveState string
	SubState    string
	Following   string // the unit this one follows, or ""
	Path        dbus.ObjectPath
	JobID       uint32 // 0 when no job is pending
	JobType     string
	JobPath     dbus.ObjectPath // "/" when no job is pending
}

// JobStatus is one job as ListJobs returns it (usssoo).
type JobStatus struct {
	ID       uint32
	Unit     string
	Type     string
	State    string
	Path     dbus.ObjectPath
	UnitPath dbus.ObjectPath
}

// Property is one unit property to set, as StartTransientUnit and
// SetUnitProperties take them (sv).
type Property struct {
	Name  string
	Value dbus.Variant
}

// AuxUnit is an auxiliary transient unit for StartTransientUnit
// (sa(sv)).
type AuxUnit struct {
	Name       string
	Properties []Property
}

// ExecStart is one command of a transient unit's ExecStart= and the other
// Exec*= properties, as they are set (sasb).
type ExecStart struct {
	Path         string
	Argv         []string // argv[0] included
	IgnoreFailed bool
}

// ExecCommand is one command of a service's ExecStart= and the other Exec*=
// properties, as they are read (sasbttttuii). Times are in microseconds.
type ExecCommand struct {
	Path               string
	Argv               []string
	IgnoreFailed       bool
	StartTime          uint64
	StartTimeMonotonic uint64
	ExitTime           uint64
	ExitTimeMonotonic  uint64
	PID                uint32
	Code               int32 // 1 exited, 2 killed, 3 dumped
	Status             int32
}

// UnitFileChange is one change Enable/DisableUnitFiles and their kin made
// (sss).
type UnitFileChange struct {
	Type        string // "symlink" or "unlink"
	Filename    string
	Destination string
}

// JobRemovedSignal is the body of the manager's JobRemoved signal (uoss).
type JobRemovedSignal struct {
	ID     uint32
	Job    dbus.ObjectPath
	Unit   string
	Result string // "done", "canceled", "timeout", "failed", "dependency", ...
}

// ParseJobRemoved reads a JobRemoved signal.
func ParseJobRemoved(sig *dbus.Signal) (JobRemovedSignal, error) {
	var s JobRemovedSignal
	err := storeSignal(sig, ManagerInterface, JobRemoved, &s.ID, &s.Job, &s.Unit, &s.Result)
	return s, err
}

// JobNewSignal is the body of the manager's JobNew signal (uos).
type JobNewSignal struct {
	ID   uint32
	Job  dbus.ObjectPath
	Unit string
}

// ParseJobNew reads a JobNew signal.
func ParseJobNew(sig *dbus.Signal) (JobNewSignal, error) {
	var s JobNewSignal
	err := storeSignal(sig, ManagerInterface, JobNew, &s.ID, &s.Job, &s.Unit)
	return s, err
}

// PropertiesChangedSignal is the body of a PropertiesChanged signal
// (sa{sv}as). systemd lists a property in Invalidated, without its value,
// when it is costly to send; read it again.
type PropertiesChangedSignal struct {
	Interface   string
	Changed     map[string]dbus.Variant
	Invalidated []string
}

// ParsePropertiesChanged reads a PropertiesChanged signal. godbus decodes
// its body (sa{sv}as) into the very types of PropertiesChangedSignal, so
// the values are taken as they are, without a copy; the map is shared
// with every other reader of the signal.
func ParsePropertiesChanged(sig *dbus.Signal) (PropertiesChangedSignal, error) {
	if sig != nil && len(sig.Body) == 3 && sig.Name == propertiesChangedName {
		iface, ok1 := sig.Body[0].(string)
		changed, ok2 := sig.Body[1].(map[string]dbus.Variant)
		invalidated, ok3 := sig.Body[2].([]string)
		if ok1 && ok2 && ok3 {
			return PropertiesChangedSignal{iface, changed, invalidated}, nil
		}
	}

	var s PropertiesChangedSignal
	err := storeSignal(sig, PropertiesInterface, PropertiesChanged,
		&s.Interface, &s.Changed, &s.Invalidated)
	return s, err
}

const propertiesChangedName = PropertiesInterface + "." + PropertiesChanged

// storeSignal checks a signal's name and copies its body into dst, with the
// type rules of Decode.
func storeSignal(sig *dbus.Signal, iface, member string, dst ...any) error {
	name := iface + "." + member
	switch {
	case sig == nil:
		return fmt.Errorf("read %s signal: no signal", member)
	case sig.Name != name:
		return fmt.Errorf("read %s signal: got %s", member, sig.Name)
	case len(sig.Body) != len(dst):
		return fmt.Errorf("read %s signal: it has %d values, not %d", member, len(sig.Body), len(dst))
	}

	for i, d := range dst {
		field := reflect.ValueOf(d).Elem()
		if !assign(field, sig.Body[i]) {
			return fmt.Errorf("read %s signal: value %d is %T, not %s",
				member, i, sig.Body[i], field.Type())
		}
	}
	return nil
}
