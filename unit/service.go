package unit

import (
	"context"
	"time"

	"github.com/gostemd/gostemd/internal/bus"
)

// ServiceProperties are the properties of a service unit, from systemd's
// org.freedesktop.systemd1.Service interface. See systemd.service(5).
type ServiceProperties struct {
	Type            ServiceType `dbus:"Type"`
	Restart         string      `dbus:"Restart"`
	RemainAfterExit bool        `dbus:"RemainAfterExit"`
	Result          Result      `dbus:"Result"`
	NRestarts       uint32      `dbus:"NRestarts"`
	StatusText      string      `dbus:"StatusText"`
	StatusErrno     int32       `dbus:"StatusErrno"`

	// MainPID and ControlPID are 0 when there is no such process.
	MainPID    uint32 `dbus:"MainPID"`
	ControlPID uint32 `dbus:"ControlPID"`

	// ExecMain* describe the main process of the last run.
	ExecMainPID    uint32    `dbus:"ExecMainPID"`
	ExecMainCode   ExitCode  `dbus:"ExecMainCode"`
	ExecMainStatus int32     `dbus:"ExecMainStatus"`
	ExecMainStart  time.Time `dbus:"-"`
	ExecMainExit   time.Time `dbus:"-"`

	ExecStart     []ExecCommand `dbus:"-"`
	ExecStartPre  []ExecCommand `dbus:"-"`
	ExecStartPost []ExecCommand `dbus:"-"`
	ExecReload    []ExecCommand `dbus:"-"`
	ExecStop      []ExecCommand `dbus:"-"`
	ExecStopPost  []ExecCommand `dbus:"-"`

	// Timeouts; Forever stands for infinity.
	TimeoutStart time.Duration `dbus:"-"`
	TimeoutStop  time.Duration `dbus:"-"`
	RuntimeMax   time.Duration `dbus:"-"`
	Watchdog     time.Duration `dbus:"-"`
	RestartDelay time.Duration `dbus:"-"`

	Exec       ExecSettings
	Sandbox    SandboxSettings
	CGroup     CGroupSettings
	Accounting Accounting

	// Absent lists the properties the running systemd does not have; their
	// fields are left zero.
	Absent []string
}

// ExecCommand is one command line of ExecStart= and its kin, with what
// happened the last time it ran.
type ExecCommand struct {
	Path         string
	Argv         []string // argv[0] included
	IgnoreFailed bool     // the command line began with "-"

	Start time.Time // zero if it never ran
	Exit  time.Time // zero if it has not exited
	PID   uint32
	Code  ExitCode
	// Status is the exit status for CodeExited, the signal otherwise.
	Status int32
}

// ExecSettings are the identity and environment of a unit's processes
// (systemd.exec(5)).
type ExecSettings struct {
	User                string   `dbus:"User"`
	Group               string   `dbus:"Group"`
	DynamicUser         bool     `dbus:"DynamicUser"`
	SupplementaryGroups []string `dbus:"SupplementaryGroups"`
	WorkingDirectory    string   `dbus:"WorkingDirectory"`
	RootDirectory       string   `dbus:"RootDirectory"`
	Environment         []string `dbus:"Environment"`
	UMask               uint32   `dbus:"UMask"`
	Nice                int32    `dbus:"Nice"`
	StandardInput       string   `dbus:"StandardInput"`
	StandardOutput      string   `dbus:"StandardOutput"`
	StandardError       string   `dbus:"StandardError"`
}

// SandboxSettings are a unit's sandboxing settings (systemd.exec(5)).
type SandboxSettings struct {
	ProtectSystem          string `dbus:"ProtectSystem"` // "no", "yes", "full", "strict"
	ProtectHome            string `dbus:"ProtectHome"`   // "no", "yes", "read-only", "tmpfs"
	PrivateTmp             bool   `dbus:"PrivateTmp"`
	PrivateDevices         bool   `dbus:"PrivateDevices"`
	PrivateNetwork         bool   `dbus:"PrivateNetwork"`
	PrivateUsers           bool   `dbus:"PrivateUsers"`
	PrivateIPC             bool   `dbus:"PrivateIPC"` // systemd 248
	NoNewPrivileges        bool   `dbus:"NoNewPrivileges"`
	ProtectKernelTunables  bool   `dbus:"ProtectKernelTunables"`
	ProtectKernelModules   bool   `dbus:"ProtectKernelModules"`
	ProtectKernelLogs      bool   `dbus:"ProtectKernelLogs"`
	ProtectControlGroups   bool   `dbus:"ProtectControlGroups"`
	ProtectClock           bool   `dbus:"ProtectClock"`
	ProtectHostname        bool   `dbus:"ProtectHostname"`
	RestrictRealtime       bool   `dbus:"RestrictRealtime"`
	RestrictSUIDSGID       bool   `dbus:"RestrictSUIDSGID"`
	LockPersonality        bool   `dbus:"LockPersonality"`
	MemoryDenyWriteExecute bool   `dbus:"MemoryDenyWriteExecute"`
	RemoveIPC              bool   `dbus:"RemoveIPC"`

	ReadOnlyPaths     []string `dbus:"ReadOnlyPaths"`
	ReadWritePaths    []string `dbus:"ReadWritePaths"`
	InaccessiblePaths []string `dbus:"InaccessiblePaths"`
	ExecPaths         []string `dbus:"ExecPaths"`   // systemd 247
	NoExecPaths       []string `dbus:"NoExecPaths"` // systemd 247

	// Capability sets, as bit masks of CAP_* numbers.
	CapabilityBoundingSet uint64 `dbus:"CapabilityBoundingSet"`
	AmbientCapabilities   uint64 `dbus:"AmbientCapabilities"`

	SystemCallFilter        NameFilter `dbus:"SystemCallFilter"`
	RestrictAddressFamilies NameFilter `dbus:"RestrictAddressFamilies"`
}

// NameFilter is an allow or deny list, such as SystemCallFilter=.
type NameFilter struct {
	AllowList bool // Names lists what is allowed, not what is denied
	Names     []string
}

// CGroupSettings are a unit's resource control settings
// (systemd.resource-control(5)). Byte and task limits use Infinity for no
// limit.
type CGroupSettings struct {
	Slice        string `dbus:"Slice"`
	ControlGroup string `dbus:"ControlGroup"` // empty while the unit has no cgroup
	Delegate     bool   `dbus:"Delegate"`

	CPUAccounting    bool `dbus:"CPUAccounting"`
	MemoryAccounting bool `dbus:"MemoryAccounting"`
	TasksAccounting  bool `dbus:"TasksAccounting"`
	IOAccounting     bool `dbus:"IOAccounting"`
	IPAccounting     bool `dbus:"IPAccounting"`

	// CPUWeight and IOWeight are Infinity when not set.
	CPUWeight uint64 `dbus:"CPUWeight"`
	IOWeight  uint64 `dbus:"IOWeight"`

	// CPUQuotaPerSec is the CPU time allowed per second of wall time, 0 for
	// no quota: CPUQuota=20% is 200ms.
	CPUQuotaPerSec time.Duration `dbus:"-"`

	MemoryMin     uint64 `dbus:"MemoryMin"`
	MemoryLow     uint64 `dbus:"MemoryLow"`
	MemoryHigh    uint64 `dbus:"MemoryHigh"`
	MemoryMax     uint64 `dbus:"MemoryMax"`
	MemorySwapMax uint64 `dbus:"MemorySwapMax"`
	TasksMax      uint64 `dbus:"TasksMax"`

	DevicePolicy string `dbus:"DevicePolicy"`
}

// Accounting is what a unit's processes use now or used so far. A nil field
// is a quantity systemd does not know: accounting is off or the controller
// missing, or the unit is not running.
type Accounting struct {
	MemoryCurrent  *uint64
	MemoryPeak     *uint64 // absent on systemd 252; newer versions have it
	CPUUsage       *time.Duration
	TasksCurrent   *uint64
	IPIngressBytes *uint64
	IPEgressBytes  *uint64
	IOReadBytes    *uint64
	IOWriteBytes   *uint64
}

// newCgroupRaw returns a cgroupRaw whose fields read "unknown" unless
// decoding sets them, so that a property the running systemd lacks leaves a
// nil field.
func newCgroupRaw() cgroupRaw {
	return cgroupRaw{
		CPUQuotaPerSecUSec: unset, MemoryCurrent: unset, MemoryPeak: unset,
		CPUUsageNSec: unset, TasksCurrent: unset, IPIngressBytes: unset,
		IPEgressBytes: unset, IOReadBytes: unset, IOWriteBytes: unset,
	}
}

// cgroupRaw holds the resource properties that need converting.
type cgroupRaw struct {
	CPUQuotaPerSecUSec uint64 `dbus:"CPUQuotaPerSecUSec"`
	MemoryCurrent      uint64 `dbus:"MemoryCurrent"`
	MemoryPeak         uint64 `dbus:"MemoryPeak"`
	CPUUsageNSec       uint64 `dbus:"CPUUsageNSec"`
	TasksCurrent       uint64 `dbus:"TasksCurrent"`
	IPIngressBytes     uint64 `dbus:"IPIngressBytes"`
	IPEgressBytes      uint64 `dbus:"IPEgressBytes"`
	IOReadBytes        uint64 `dbus:"IOReadBytes"`
	IOWriteBytes       uint64 `dbus:"IOWriteBytes"`
}

func (raw *cgroupRaw) apply(c *CGroupSettings, a *Accounting) {
	c.CPUQuotaPerSec = 0
	if raw.CPUQuotaPerSecUSec != unset {
		c.CPUQuotaPerSec = usecDuration(raw.CPUQuotaPerSecUSec)
	}

	a.MemoryCurrent = optional(raw.MemoryCurrent)
	a.MemoryPeak = optional(raw.MemoryPeak)
	a.CPUUsage = optionalNsec(raw.CPUUsageNSec)
	a.TasksCurrent = optional(raw.TasksCurrent)
	a.IPIngressBytes = optional(raw.IPIngressBytes)
	a.IPEgressBytes = optional(raw.IPEgressBytes)
	a.IOReadBytes = optional(raw.IOReadBytes)
	a.IOWriteBytes = optional(raw.IOWriteBytes)
}

type serviceRaw struct {
	ExecMainStart uint64            `dbus:"ExecMainStartTimestamp"`
	ExecMainExit  uint64            `dbus:"ExecMainExitTimestamp"`
	ExecStart     []bus.ExecCommand `dbus:"ExecStart"`
	ExecStartPre  []bus.ExecCommand `dbus:"ExecStartPre"`
	ExecStartPost []bus.ExecCommand `dbus:"ExecStartPost"`
	ExecReload    []bus.ExecCommand `dbus:"ExecReload"`
	ExecStop      []bus.ExecCommand `dbus:"ExecStop"`
	ExecStopPost  []bus.ExecCommand `dbus:"ExecStopPost"`
	TimeoutStart  uint64            `dbus:"TimeoutStartUSec"`
	TimeoutStop   uint64            `dbus:"TimeoutStopUSec"`
	RuntimeMax    uint64            `dbus:"RuntimeMaxUSec"`
	Watchdog      uint64            `dbus:"WatchdogUSec"`
	RestartDelay  uint64            `dbus:"RestartUSec"`
}

// Service reads the properties of a service unit in one round trip. On a
// unit of another type it fails with gostemd.ErrUnknownInterface.
func (u *Unit) Service(ctx context.Context) (*ServiceProperties, error) {
	return read(ctx, u, bus.ServiceInterface, "read service properties", decodeService)
}

func decodeService(props properties) (*ServiceProperties, error) {
	var (
		p   ServiceProperties
		raw serviceRaw
	)
	cgroup := newCgroupRaw()
	absent, err := decodeAll(props, &p, &p.Exec, &p.Sandbox, &p.CGroup, &raw, &cgroup)
	if err != nil {
		return nil, err
	}

	p.ExecMainStart = usecTime(raw.ExecMainStart)
	p.ExecMainExit = usecTime(raw.ExecMainExit)
	p.ExecStart = execCommands(raw.ExecStart)
	p.ExecStartPre = execCommands(raw.ExecStartPre)
	p.ExecStartPost = execCommands(raw.ExecStartPost)
	p.ExecReload = execCommands(raw.ExecReload)
	p.ExecStop = execCommands(raw.ExecStop)
	p.ExecStopPost = execCommands(raw.ExecStopPost)
	p.TimeoutStart = usecDuration(raw.TimeoutStart)
	p.TimeoutStop = usecDuration(raw.TimeoutStop)
	p.RuntimeMax = usecDuration(raw.RuntimeMax)
	p.Watchdog = usecDuration(raw.Watchdog)
	p.RestartDelay = usecDuration(raw.RestartDelay)
	cgroup.apply(&p.CGroup, &p.Accounting)
	p.Absent = absent
	return &p, nil
}

func execCommands(raw []bus.ExecCommand) []ExecCommand {
	if len(raw) == 0 {
		return nil
	}

	cmds := make([]ExecCommand, len(raw))
	for i, r := range raw {
		cmds[i] = ExecCommand{
			Path:         r.Path,
			Argv:         r.Argv,
			IgnoreFailed: r.IgnoreFailed,
			Start:        usecTime(r.StartTime),
			Exit:         usecTime(r.ExitTime),
			PID:          r.PID,
			Code:         ExitCode(r.Code),
			Status:       r.Status,
		}
	}
	return cmds
}
