package unit

import "strconv"

// LoadState says whether systemd could load a unit's configuration.
type LoadState string

// Load states, as systemd names them.
const (
	LoadStub       LoadState = "stub"
	LoadLoaded     LoadState = "loaded"
	LoadNotFound   LoadState = "not-found"
	LoadBadSetting LoadState = "bad-setting"
	LoadErrored    LoadState = "error"
	LoadMerged     LoadState = "merged"
	LoadMasked     LoadState = "masked"
)

func (s LoadState) String() string { return string(s) }

// ActiveState is the high-level state of a unit. Its detail, which depends
// on the unit's type, is in SubState.
type ActiveState string

// Active states, as systemd names them.
const (
	Active       ActiveState = "active"
	Reloading    ActiveState = "reloading"
	Inactive     ActiveState = "inactive"
	Failed       ActiveState = "failed"
	Activating   ActiveState = "activating"
	Deactivating ActiveState = "deactivating"
	Maintenance  ActiveState = "maintenance" // systemd 250 and later
)

func (s ActiveState) String() string { return string(s) }

// FreezerState says whether a unit's processes are frozen (systemd 246 and
// later).
type FreezerState string

// Freezer states, as systemd names them.
const (
	Running  FreezerState = "running"
	Freezing FreezerState = "freezing"
	Frozen   FreezerState = "frozen"
	Thawing  FreezerState = "thawing"
)

func (s FreezerState) String() string { return string(s) }

// UnitFileState says whether and how a unit file is enabled.
type UnitFileState string

// Unit file states, as systemd names them.
const (
	FileEnabled        UnitFileState = "enabled"
	FileEnabledRuntime UnitFileState = "enabled-runtime"
	FileLinked         UnitFileState = "linked"
	FileLinkedRuntime  UnitFileState = "linked-runtime"
	FileAlias          UnitFileState = "alias"
	FileMasked         UnitFileState = "masked"
	FileMaskedRuntime  UnitFileState = "masked-runtime"
	FileStatic         UnitFileState = "static"
	FileDisabled       UnitFileState = "disabled"
	FileIndirect       UnitFileState = "indirect"
	FileGenerated      UnitFileState = "generated"
	FileTransient      UnitFileState = "transient"
	FileBad            UnitFileState = "bad"
)

func (s UnitFileState) String() string { return string(s) }

// Result is how a unit's last run ended, as its type-specific Result
// property says: "success", or why not.
type Result string

// Results shared by several unit types; each type documents its own in
// systemd.service(5), systemd.socket(5) and so on.
const (
	ResultSuccess         Result = "success"
	ResultResources       Result = "resources"
	ResultTimeout         Result = "timeout"
	ResultExitCode        Result = "exit-code"
	ResultSignal          Result = "signal"
	ResultCoreDump        Result = "core-dump"
	ResultWatchdog        Result = "watchdog"
	ResultStartLimitHit   Result = "start-limit-hit"
	ResultOOMKill         Result = "oom-kill"
	ResultProtocol        Result = "protocol"
	ResultExecCondition   Result = "exec-condition"
	ResultTriggerLimitHit Result = "trigger-limit-hit"
)

func (r Result) String() string { return string(r) }

// ServiceType is a service's Type= setting.
type ServiceType string

// Service types, as systemd names them.
const (
	ServiceSimple  ServiceType = "simple"
	ServiceExec    ServiceType = "exec"
	ServiceForking ServiceType = "forking"
	ServiceOneshot ServiceType = "oneshot"
	ServiceDBus    ServiceType = "dbus"
	ServiceNotify  ServiceType = "notify"
	ServiceIdle    ServiceType = "idle"

	// ServiceNotifyReload is notify, and reloads by sending SIGHUP and
	// waiting for RELOADING=1 then READY=1. It needs systemd 253.
	ServiceNotifyReload ServiceType = "notify-reload"
)

func (t ServiceType) String() string { return string(t) }

// ExitCode says how a process ended, as siginfo's si_code does.
type ExitCode int32

// Exit codes systemd reports in ExecMainCode and ExecCommand.Code.
const (
	NotExited  ExitCode = 0
	CodeExited ExitCode = 1 // Status is the exit status
	CodeKilled ExitCode = 2 // Status is the signal
	CodeDumped ExitCode = 3 // Status is the signal; a core was dumped
)

func (c ExitCode) String() string {
	switch c {
	case NotExited:
		return "not exited"
	case CodeExited:
		return "exited"
	case CodeKilled:
		return "killed"
	case CodeDumped:
		return "dumped"
	}
	return "code " + strconv.Itoa(int(c))
}
