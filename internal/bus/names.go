package bus

import "github.com/godbus/dbus/v5"

// Names systemd's manager uses on the bus.
const (
	// Service is the bus name systemd's manager owns.
	Service = "org.freedesktop.systemd1"

	// ManagerPath is the manager's object path.
	ManagerPath = dbus.ObjectPath("/org/freedesktop/systemd1")

	// UnitPathPrefix is the object path under which units live. Each unit's
	// path is the prefix, a slash, and its escaped name.
	UnitPathPrefix = dbus.ObjectPath("/org/freedesktop/systemd1/unit")

	// JobPathPrefix is the object path under which jobs live.
	JobPathPrefix = dbus.ObjectPath("/org/freedesktop/systemd1/job")
)

// Interfaces of systemd's objects.
const (
	ManagerInterface   = "org.freedesktop.systemd1.Manager"
	UnitInterface      = "org.freedesktop.systemd1.Unit"
	JobInterface       = "org.freedesktop.systemd1.Job"
	ServiceInterface   = "org.freedesktop.systemd1.Service"
	SocketInterface    = "org.freedesktop.systemd1.Socket"
	TimerInterface     = "org.freedesktop.systemd1.Timer"
	ScopeInterface     = "org.freedesktop.systemd1.Scope"
	SliceInterface     = "org.freedesktop.systemd1.Slice"
	MountInterface     = "org.freedesktop.systemd1.Mount"
	AutomountInterface = "org.freedesktop.systemd1.Automount"
	SwapInterface      = "org.freedesktop.systemd1.Swap"
	PathInterface      = "org.freedesktop.systemd1.Path"
	TargetInterface    = "org.freedesktop.systemd1.Target"
	DeviceInterface    = "org.freedesktop.systemd1.Device"
)

// Standard D-Bus names.
const (
	// PropertiesInterface carries Get, GetAll, Set and PropertiesChanged.
	PropertiesInterface = "org.freedesktop.DBus.Properties"

	// PropertiesChanged is the signal member on PropertiesInterface.
	PropertiesChanged = "PropertiesChanged"

	// daemonService, daemonPath and daemonInterface address the bus daemon.
	daemonService   = "org.freedesktop.DBus"
	daemonPath      = dbus.ObjectPath("/org/freedesktop/DBus")
	daemonInterface = "org.freedesktop.DBus"

	// nameOwnerChanged is the bus daemon's signal for name owner changes.
	nameOwnerChanged = "NameOwnerChanged"
)

// Manager signals. Unit and job signals need Manager.Subscribe in effect
// (see Match.ManagerSubscribe).
const (
	UnitNew          = "UnitNew"
	UnitRemoved      = "UnitRemoved"
	JobNew           = "JobNew"
	JobRemoved       = "JobRemoved"
	StartupFinished  = "StartupFinished"
	UnitFilesChanged = "UnitFilesChanged"
	Reloading        = "Reloading"
)
