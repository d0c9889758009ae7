package gostemd

import "errors"

// ErrClosed is returned by every call on a connection, manager or unit
// after its connection was closed by its owner. It is not a D-Bus error:
// nothing was sent.
var ErrClosed = errors.New("connection closed")

// An Error is a failure that systemd or the D-Bus daemon reports by a D-Bus
// error name. The values are the sentinels below; compare with errors.Is.
type Error struct {
	name string
	text string
}

// Error returns a short lowercase description, such as "no such unit".
func (e *Error) Error() string {
	return e.text
}

// Name returns the D-Bus error name, such as
// "org.freedesktop.systemd1.NoSuchUnit".
func (e *Error) Name() string {
	return e.name
}

const (
	systemdPrefix = "org.freedesktop.systemd1."
	dbusPrefix    = "org.freedesktop.DBus.Error."
)

func systemdError(name, text string) *Error {
	return &Error{name: systemdPrefix + name, text: text}
}

func dbusError(name, text string) *Error {
	return &Error{name: dbusPrefix + name, text: text}
}

// Errors systemd's manager reports (org.freedesktop.systemd1.*).
var (
	// ErrNoSuchUnit means the unit is not loaded (GetUnit) or does not
	// exist.
	ErrNoSuchUnit = systemdError("NoSuchUnit", "no such unit")

	// ErrNoUnitForPID means no unit contains the process.
	ErrNoUnitForPID = systemdError("NoUnitForPID", "no unit for pid")

	// ErrNoUnitForInvocationID means no unit has the invocation ID.
	ErrNoUnitForInvocationID = systemdError("NoUnitForInvocationID",
		"no unit for invocation id")

	// ErrUnitExists means a unit of that name is already loaded, for example
	// when starting a transient unit.
	ErrUnitExists = systemdError("UnitExists", "unit exists")

	// ErrLoadFailed means the unit failed to load (bad unit file, not found).
	ErrLoadFailed = systemdError("LoadFailed", "unit load failed")

	// ErrBadUnitSetting means a property of a transient unit was refused.
	ErrBadUnitSetting = systemdError("BadUnitSetting", "bad unit setting")

	// ErrJobFailed means the job could not be run.
	ErrJobFailed = systemdError("JobFailed", "job failed")

	// ErrNoSuchJob means the job does not exist (any more).
	ErrNoSuchJob = systemdError("NoSuchJob", "no such job")

	// ErrNotSubscribed means the client called Unsubscribe without having
	// subscribed.
	ErrNotSubscribed = systemdError("NotSubscribed", "not subscribed")

	// ErrAlreadySubscribed means the client had already subscribed.
	ErrAlreadySubscribed = systemdError("AlreadySubscribed", "already subscribed")

	// ErrOnlyByDependency means the unit refuses manual start or stop
	// (RefuseManualStart=, RefuseManualStop=).
	ErrOnlyByDependency = systemdError("OnlyByDependency",
		"operation allowed only by dependency")

	// ErrTransactionJobsConflicting means the requested jobs conflict.
	ErrTransactionJobsConflicting = systemdError("TransactionJobsConflicting",
		"transaction jobs conflicting")

	// ErrTransactionOrderIsCyclic means the ordering dependencies form a
	// cycle.
	ErrTransactionOrderIsCyclic = systemdError("TransactionOrderIsCyclic",
		"transaction order is cyclic")

	// ErrTransactionIsDestructive means the job would cancel queued jobs and the
	// mode is "fail".
	ErrTransactionIsDestructive = systemdError("TransactionIsDestructive",
		"transaction is destructive")

	// ErrUnitMasked means the unit is masked.
	ErrUnitMasked = systemdError("UnitMasked", "unit is masked")

	// ErrUnitGenerated means the unit file was made by a generator and cannot
	// be changed.
	ErrUnitGenerated = systemdError("UnitGenerated", "unit is generated")

	// ErrUnitLinked means the unit file is a link to outside the unit
	// search path.
	ErrUnitLinked = systemdError("UnitLinked", "unit is linked")

	// ErrJobTypeNotApplicable means the job type does not apply to the unit, for
	// example reloading a unit that cannot reload.
	ErrJobTypeNotApplicable = systemdError("JobTypeNotApplicable",
		"job type not applicable")

	// ErrNoIsolation means the unit may not be isolated (AllowIsolate=no).
	ErrNoIsolation = systemdError("NoIsolation", "unit may not be isolated")

	// ErrShuttingDown means the system is shutting down and refuses new
	// jobs.
	ErrShuttingDown = systemdError("ShuttingDown", "system is shutting down")

	// ErrScopeNotRunning means the scope is not running.
	ErrScopeNotRunning = systemdError("ScopeNotRunning", "scope not running")

	// ErrNoSuchDynamicUser means no dynamic user has that name or ID.
	ErrNoSuchDynamicUser = systemdError("NoSuchDynamicUser",
		"no such dynamic user")

	// ErrNotReferenced means the client holds no reference on the unit it
	// tried to unreference.
	ErrNotReferenced = systemdError("NotReferenced", "unit not referenced")

	// ErrNoSuchProcess means the process is not in the unit (for example
	// AttachProcessesToUnit).
	ErrNoSuchProcess = systemdError("NoSuchProcess", "no such process")

	// ErrNothingToClean means CleanUnit found nothing to remove.
	ErrNothingToClean = systemdError("NothingToClean", "nothing to clean")

	// ErrUnitBusy means the unit is busy with another operation (clean,
	// freeze).
	ErrUnitBusy = systemdError("UnitBusy", "unit is busy")

	// ErrUnitInactive means the operation needs an active unit (freeze,
	// thaw).
	ErrUnitInactive = systemdError("UnitInactive", "unit is inactive")

	// ErrFreezeCancelled means a freeze was cancelled by a later thaw.
	ErrFreezeCancelled = systemdError("FreezeCancelled", "freeze cancelled")

	// ErrFrozenByParent means the unit cannot be thawed while its slice is
	// frozen. Sent by systemd 256 and later.
	ErrFrozenByParent = systemdError("FrozenByParent", "unit is frozen by parent")

	// ErrDiskFull means systemd could not write a file for lack of
	// space.
	ErrDiskFull = systemdError("DiskFull", "disk full")
)

// Errors the D-Bus daemon, or systemd as a D-Bus service, reports
// (org.freedesktop.DBus.Error.*).
var (
	// ErrAccessDenied means the caller lacks the privilege (polkit or the bus
	// policy said no).
	ErrAccessDenied = dbusError("AccessDenied", "access denied")

	// ErrInteractiveAuthorizationRequired means polkit would allow the call
	// after asking the user, but the call did not allow interaction.
	ErrInteractiveAuthorizationRequired = dbusError(
		"InteractiveAuthorizationRequired", "interactive authorization required")

	// ErrUnknownProperty means the object has no such property (it may be
	// newer than the running systemd).
	ErrUnknownProperty = dbusError("UnknownProperty", "unknown property")

	// ErrPropertyReadOnly means the property cannot be set.
	ErrPropertyReadOnly = dbusError("PropertyReadOnly", "property is read-only")

	// ErrInvalidArgs means the arguments were refused, for example a malformed
	// unit name or a property of the wrong type.
	ErrInvalidArgs = dbusError("InvalidArgs", "invalid arguments")

	// ErrUnknownMethod means the interface has no such method (it may be newer
	// than the running systemd).
	ErrUnknownMethod = dbusError("UnknownMethod", "unknown method")

	// ErrUnknownObject means no object lives at the path.
	ErrUnknownObject = dbusError("UnknownObject", "unknown object")

	// ErrUnknownInterface means the object does not implement the
	// interface.
	ErrUnknownInterface = dbusError("UnknownInterface", "unknown interface")

	// ErrNotSupported means the operation is not supported.
	ErrNotSupported = dbusError("NotSupported", "not supported")

	// ErrServiceUnknown means no one owns the destination name and it cannot
	// be activated.
	ErrServiceUnknown = dbusError("ServiceUnknown", "service unknown")

	// ErrNameHasNoOwner means no one owns the name.
	ErrNameHasNoOwner = dbusError("NameHasNoOwner", "name has no owner")

	// ErrNoReply means the peer did not answer, or disconnected before it
	// did.
	ErrNoReply = dbusError("NoReply", "no reply")

	// ErrTimeout means an operation, such as starting a bus-activated service,
	// timed out.
	ErrTimeout = dbusError("Timeout", "timeout")

	// ErrTimedOut means the peer reported that an operation timed out.
	ErrTimedOut = dbusError("TimedOut", "timed out")

	// ErrDisconnected means the connection to the bus or to systemd is
	// gone.
	ErrDisconnected = dbusError("Disconnected", "disconnected")

	// ErrLimitsExceeded means the bus daemon refused a resource past one
	// of its limits, such as a match rule beyond the 512 it allows a
	// connection by default.
	ErrLimitsExceeded = dbusError("LimitsExceeded", "limits exceeded")
)

// errorsByName indexes every sentinel by its D-Bus name.
var errorsByName = indexErrors(
	ErrNoSuchUnit, ErrNoUnitForPID, ErrNoUnitForInvocationID, ErrUnitExists,
	ErrLoadFailed, ErrBadUnitSetting, ErrJobFailed, ErrNoSuchJob,
	ErrNotSubscribed, ErrAlreadySubscribed, ErrOnlyByDependency,
	ErrTransactionJobsConflicting, ErrTransactionOrderIsCyclic,
	ErrTransactionIsDestructive, ErrUnitMasked, ErrUnitGenerated,
	ErrUnitLinked, ErrJobTypeNotApplicable, ErrNoIsolation, ErrShuttingDown,
	ErrScopeNotRunning, ErrNoSuchDynamicUser, ErrNotReferenced,
	ErrNoSuchProcess, ErrNothingToClean, ErrUnitBusy, ErrUnitInactive,
	ErrFreezeCancelled, ErrFrozenByParent, ErrDiskFull,

	ErrAccessDenied, ErrInteractiveAuthorizationRequired, ErrUnknownProperty,
	ErrPropertyReadOnly, ErrInvalidArgs, ErrUnknownMethod, ErrUnknownObject,
	ErrUnknownInterface, ErrNotSupported, ErrServiceUnknown,
	ErrNameHasNoOwner, ErrNoReply, ErrTimeout, ErrTimedOut, ErrDisconnected,
	ErrLimitsExceeded,
)

func indexErrors(errs ...*Error) map[string]*Error {
	m := make(map[string]*Error, len(errs))
	for _, e := range errs {
		m[e.name] = e
	}
	return m
}

// LookupError returns the sentinel for a D-Bus error name, or nil when the
// name has none.
func LookupError(name string) *Error {
	return errorsByName[name]
}
