package unit

import (
	"context"
	"time"

	"github.com/gostemd/gostemd/internal/bus"
)

// SocketProperties are the properties of a socket unit, from systemd's
// org.freedesktop.systemd1.Socket interface. See systemd.socket(5).
type SocketProperties struct {
	Listen       []Listen `dbus:"Listen"`
	Accept       bool     `dbus:"Accept"`
	Result       Result   `dbus:"Result"`
	ControlPID   uint32   `dbus:"ControlPID"`
	NConnections uint32   `dbus:"NConnections"`
	NAccepted    uint32   `dbus:"NAccepted"`
	NRefused     uint32   `dbus:"NRefused"` // systemd 247

	Exec       ExecSettings
	Sandbox    SandboxSettings
	CGroup     CGroupSettings
	Accounting Accounting

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

// Listen is one address a socket unit listens on.
type Listen struct {
	Type    string // such as "Stream", "Datagram", "FIFO"
	Address string
}

// Socket reads the properties of a socket unit in one round trip.
func (u *Unit) Socket(ctx context.Context) (*SocketProperties, error) {
	return read(ctx, u, bus.SocketInterface, "read socket properties", decodeSocket)
}

func decodeSocket(props properties) (*SocketProperties, error) {
	var p SocketProperties
	cgroup := newCgroupRaw()
	absent, err := decodeAll(props, &p, &p.Exec, &p.Sandbox, &p.CGroup, &cgroup)
	if err != nil {
		return nil, err
	}

	cgroup.apply(&p.CGroup, &p.Accounting)
	p.Absent = absent
	return &p, nil
}

// TimerProperties are the properties of a timer unit, from systemd's
// org.freedesktop.systemd1.Timer interface. See systemd.timer(5).
type TimerProperties struct {
	Unit       string             `dbus:"Unit"` // the unit it starts
	Calendar   []CalendarTrigger  `dbus:"-"`
	Monotonic  []MonotonicTrigger `dbus:"-"`
	Persistent bool               `dbus:"Persistent"`
	WakeSystem bool               `dbus:"WakeSystem"`
	Result     Result             `dbus:"Result"`

	// NextElapse is the next realtime trigger, zero if none.
	NextElapse time.Time `dbus:"-"`
	// LastTrigger is when it last fired, zero if never.
	LastTrigger     time.Time     `dbus:"-"`
	Accuracy        time.Duration `dbus:"-"`
	RandomizedDelay time.Duration `dbus:"-"`

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

// CalendarTrigger is one OnCalendar= setting.
type CalendarTrigger struct {
	Base       string // "OnCalendar"
	Expression string // normalised, such as "*-*-* 04:00:00"
	Next       time.Time
}

// MonotonicTrigger is one OnActiveSec=, OnBootSec= and so on.
type MonotonicTrigger struct {
	Base   string // such as "OnUnitActiveUSec"
	Offset time.Duration
	Next   time.Duration // on the monotonic clock
}

type timerRaw struct {
	Calendar []struct {
		Base, Expression string
		Next             uint64
	} `dbus:"TimersCalendar"`
	Monotonic []struct {
		Base         string
		Offset, Next uint64
	} `dbus:"TimersMonotonic"`
	NextElapse      uint64 `dbus:"NextElapseUSecRealtime"`
	LastTrigger     uint64 `dbus:"LastTriggerUSec"`
	Accuracy        uint64 `dbus:"AccuracyUSec"`
	RandomizedDelay uint64 `dbus:"RandomizedDelayUSec"`
}

// Timer reads the properties of a timer unit in one round trip.
func (u *Unit) Timer(ctx context.Context) (*TimerProperties, error) {
	return read(ctx, u, bus.TimerInterface, "read timer properties", decodeTimer)
}

func decodeTimer(props properties) (*TimerProperties, error) {
	var (
		p   TimerProperties
		raw timerRaw
	)
	absent, err := decodeAll(props, &p, &raw)
	if err != nil {
		return nil, err
	}

	for _, c := range raw.Calendar {
		p.Calendar = append(p.Calendar,
			CalendarTrigger{Base: c.Base, Expression: c.Expression, Next: usecTime(c.Next)})
	}
	for _, m := range raw.Monotonic {
		p.Monotonic = append(p.Monotonic, MonotonicTrigger{
			Base: m.Base, Offset: usecDuration(m.Offset), Next: usecDuration(m.Next),
		})
	}
	p.NextElapse = usecTime(raw.NextElapse)
	p.LastTrigger = usecTime(raw.LastTrigger)
	p.Accuracy = usecDuration(raw.Accuracy)
	p.RandomizedDelay = usecDuration(raw.RandomizedDelay)
	p.Absent = absent
	return &p, nil
}

// ScopeProperties are the properties of a scope unit, from systemd's
// org.freedesktop.systemd1.Scope interface. See systemd.scope(5).
type ScopeProperties struct {
	Controller  string        `dbus:"Controller"`
	Result      Result        `dbus:"Result"`
	TimeoutStop time.Duration `dbus:"-"`
	RuntimeMax  time.Duration `dbus:"-"`

	CGroup     CGroupSettings
	Accounting Accounting

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

type scopeRaw struct {
	TimeoutStop uint64 `dbus:"TimeoutStopUSec"`
	RuntimeMax  uint64 `dbus:"RuntimeMaxUSec"`
}

// Scope reads the properties of a scope unit in one round trip.
func (u *Unit) Scope(ctx context.Context) (*ScopeProperties, error) {
	return read(ctx, u, bus.ScopeInterface, "read scope properties", decodeScope)
}

func decodeScope(props properties) (*ScopeProperties, error) {
	var (
		p   ScopeProperties
		raw scopeRaw
	)
	cgroup := newCgroupRaw()
	absent, err := decodeAll(props, &p, &p.CGroup, &raw, &cgroup)
	if err != nil {
		return nil, err
	}

	p.TimeoutStop = usecDuration(raw.TimeoutStop)
	p.RuntimeMax = usecDuration(raw.RuntimeMax)
	cgroup.apply(&p.CGroup, &p.Accounting)
	p.Absent = absent
	return &p, nil
}

// SliceProperties are the properties of a slice unit, from systemd's
// org.freedesktop.systemd1.Slice interface. See systemd.slice(5).
type SliceProperties struct {
	CGroup     CGroupSettings
	Accounting Accounting

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

// Slice reads the properties of a slice unit in one round trip.
func (u *Unit) Slice(ctx context.Context) (*SliceProperties, error) {
	return read(ctx, u, bus.SliceInterface, "read slice properties", decodeSlice)
}

func decodeSlice(props properties) (*SliceProperties, error) {
	var p SliceProperties
	cgroup := newCgroupRaw()
	absent, err := decodeAll(props, &p.CGroup, &cgroup)
	if err != nil {
		return nil, err
	}

	cgroup.apply(&p.CGroup, &p.Accounting)
	p.Absent = absent
	return &p, nil
}

// MountProperties are the properties of a mount unit, from systemd's
// org.freedesktop.systemd1.Mount interface. See systemd.mount(5).
type MountProperties struct {
	Where      string        `dbus:"Where"`
	What       string        `dbus:"What"`
	Options    string        `dbus:"Options"`
	Type       string        `dbus:"Type"`
	Result     Result        `dbus:"Result"`
	ControlPID uint32        `dbus:"ControlPID"`
	Timeout    time.Duration `dbus:"-"`

	Exec       ExecSettings
	Sandbox    SandboxSettings
	CGroup     CGroupSettings
	Accounting Accounting

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

type mountRaw struct {
	Timeout uint64 `dbus:"TimeoutUSec"`
}

// Mount reads the properties of a mount unit in one round trip.
func (u *Unit) Mount(ctx context.Context) (*MountProperties, error) {
	return read(ctx, u, bus.MountInterface, "read mount properties", decodeMount)
}

func decodeMount(props properties) (*MountProperties, error) {
	var (
		p   MountProperties
		raw mountRaw
	)
	cgroup := newCgroupRaw()
	absent, err := decodeAll(props, &p, &p.Exec, &p.Sandbox, &p.CGroup, &raw, &cgroup)
	if err != nil {
		return nil, err
	}

	p.Timeout = usecDuration(raw.Timeout)
	cgroup.apply(&p.CGroup, &p.Accounting)
	p.Absent = absent
	return &p, nil
}

// PathProperties are the properties of a path unit, from systemd's
// org.freedesktop.systemd1.Path interface. See systemd.path(5).
type PathProperties struct {
	Unit          string      `dbus:"Unit"` // the unit it starts
	Paths         []WatchPath `dbus:"Paths"`
	MakeDirectory bool        `dbus:"MakeDirectory"`
	DirectoryMode uint32      `dbus:"DirectoryMode"`
	Result        Result      `dbus:"Result"`

	// Absent lists the properties the running systemd does not have.
	Absent []string
}

// WatchPath is one PathExists=, PathChanged= and so on.
type WatchPath struct {
	Condition string // such as "PathExists"
	Path      string
}

// Path reads the properties of a path unit in one round trip.
func (u *Unit) Path(ctx context.Context) (*PathProperties, error) {
	return read(ctx, u, bus.PathInterface, "read path properties", decodePath)
}

func decodePath(props properties) (*PathProperties, error) {
	var p PathProperties
	absent, err := decodeAll(props, &p)
	if err != nil {
		return nil, err
	}

	p.Absent = absent
	return &p, nil
}
