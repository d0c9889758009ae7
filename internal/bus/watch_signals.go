package bus

import "github.com/godbus/dbus/v5"

// UnitSignal is the body of the manager's UnitNew and UnitRemoved signals
// (so): the unit's name and object path.
type UnitSignal struct {
	Unit string
	Path dbus.ObjectPath
}

// ParseUnitNew reads a UnitNew signal.
func ParseUnitNew(sig *dbus.Signal) (UnitSignal, error) {
	var s UnitSignal
	err := storeSignal(sig, ManagerInterface, UnitNew, &s.Unit, &s.Path)
	return s, err
}

// ParseUnitRemoved reads a UnitRemoved signal.
func ParseUnitRemoved(sig *dbus.Signal) (UnitSignal, error) {
	var s UnitSignal
	err := storeSignal(sig, ManagerInterface, UnitRemoved, &s.Unit, &s.Path)
	return s, err
}

// ParseReloading reads a Reloading signal: true when systemd starts to
// reload or reexecute, false when it is done. In between it sends
// UnitRemoved and UnitNew for units it merely reloads.
func ParseReloading(sig *dbus.Signal) (bool, error) {
	var active bool
	err := storeSignal(sig, ManagerInterface, Reloading, &active)
	return active, err
}
