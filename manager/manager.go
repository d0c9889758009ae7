package manager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/unit"
)

// Scope chooses which of the machine's managers to talk to.
type Scope int

const (
	// Default is the system manager for root, the calling user's manager
	// for everyone else.
	Default Scope = iota

	// System is the system manager, PID 1.
	System

	// User is the calling user's manager (systemctl --user), reached over
	// the user's bus.
	User
)

func (s Scope) String() string {
	switch s {
	case Default:
		return "default"
	case System:
		return "system"
	case User:
		return "user"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// Options configure Connect. A nil *Options is the zero value: the system
// manager over the system bus when running as root, else the user's manager
// over the user's bus.
type Options struct {
	// Scope chooses the manager. The zero value is Default.
	Scope Scope

	// Private connects to the system manager's private socket,
	// /run/systemd/private, instead of going through the bus daemon: it
	// works while the bus is down, but needs root. False, the default, uses
	// the bus. It implies the System scope.
	Private bool

	// Address is a D-Bus address to connect to instead, such as
	// "unix:path=/run/user/1000/bus". It overrides Scope and Private. Empty,
	// the default, derives the address from Scope.
	Address string

	// Peer says that Address leads to systemd itself rather than to a bus
	// daemon, as the private socket does. False, the default, means a bus.
	Peer bool

	// InteractiveAuthorization lets polkit ask the user for a password
	// during calls. False, the default, makes calls that would need it fail
	// with gostemd.ErrInteractiveAuthorizationRequired.
	InteractiveAuthorization bool
}

// busOptions turns Options into the connection's.
func (o *Options) busOptions() (*bus.Options, error) {
	var opts Options
	if o != nil {
		opts = *o
	}

	b := &bus.Options{
		Address:                  opts.Address,
		Peer:                     opts.Peer,
		InteractiveAuthorization: opts.InteractiveAuthorization,
	}
	if b.Address != "" {
		return b, nil
	}

	switch {
	case opts.Private:
		b.Address, b.Peer = bus.PrivateAddress, true
	case opts.Scope == User || (opts.Scope == Default && os.Geteuid() != 0):
		addr, err := bus.UserBusAddress()
		if err != nil {
			return nil, err
		}
		b.Address = addr
	default:
		b.Address = bus.SystemBusAddress()
	}
	return b, nil
}

// Manager is a connection to a systemd service manager. It is safe for
// concurrent use, and it reconnects by itself when the connection drops
// (daemon-reexec, a bus daemon restart).
type Manager struct {
	c *client.Client
}

// Connect connects to a systemd manager; see Options. The caller must Close
// the Manager.
func Connect(ctx context.Context, opts *Options) (*Manager, error) {
	b, err := opts.busOptions()
	if err != nil {
		return nil, fmt.Errorf("connect to systemd: %w", err)
	}

	conn, err := bus.Dial(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("connect to systemd: %w", err)
	}
	return &Manager{c: client.New(conn)}, nil
}

// Close closes the connection. Jobs still waited for end their Wait with an
// error; unit handles from this Manager stop working.
func (m *Manager) Close() error {
	return m.c.Close()
}

// SystemState is the manager's overall state, as systemctl
// is-system-running prints it.
type SystemState string

// System states, as systemd names them.
const (
	Initializing SystemState = "initializing"
	Starting     SystemState = "starting"
	Running      SystemState = "running"
	Degraded     SystemState = "degraded"
	Maintenance  SystemState = "maintenance"
	Stopping     SystemState = "stopping"
	Offline      SystemState = "offline"
)

func (s SystemState) String() string { return string(s) }

// Properties are the manager's properties that matter most, from systemd's
// org.freedesktop.systemd1.Manager interface.
type Properties struct {
	Version        string      `dbus:"Version"`
	Features       string      `dbus:"Features"`
	Virtualization string      `dbus:"Virtualization"`
	Architecture   string      `dbus:"Architecture"`
	Tainted        string      `dbus:"Tainted"`
	SystemState    SystemState `dbus:"SystemState"`
	ControlGroup   string      `dbus:"ControlGroup"`
	Environment    []string    `dbus:"Environment"`
	UnitPath       []string    `dbus:"UnitPath"`

	// Progress is the boot or shutdown progress, from 0 to 1.
	Progress float64 `dbus:"Progress"`

	NNames         uint32 `dbus:"NNames"`
	NFailedUnits   uint32 `dbus:"NFailedUnits"`
	NJobs          uint32 `dbus:"NJobs"`
	NInstalledJobs uint32 `dbus:"NInstalledJobs"`
	NFailedJobs    uint32 `dbus:"NFailedJobs"`

	// Timestamps of the boot; the zero time if it has not happened (a user
	// manager has no kernel or initrd phase).
	Userspace time.Time `dbus:"-"`
	Finish    time.Time `dbus:"-"`

	// Absent lists the properties the running systemd does not have; their
	// fields are left zero.
	Absent []string
}

type propertiesRaw struct {
	Userspace uint64 `dbus:"UserspaceTimestamp"`
	Finish    uint64 `dbus:"FinishTimestamp"`
}

// Properties reads the manager's properties in one round trip.
func (m *Manager) Properties(ctx context.Context) (*Properties, error) {
	props, err := m.c.Conn.GetAll(ctx, bus.ManagerPath, bus.ManagerInterface)
	if err != nil {
		return nil, fmt.Errorf("read manager properties: %w", err)
	}

	var (
		p   Properties
		raw propertiesRaw
	)
	absent, err := bus.Decode(props, &p)
	absentRaw, errRaw := bus.Decode(props, &raw)
	if err = errors.Join(err, errRaw); err != nil {
		return nil, fmt.Errorf("read manager properties: %w", err)
	}

	p.Userspace = usecTime(raw.Userspace)
	p.Finish = usecTime(raw.Finish)
	p.Absent = append(absent, absentRaw...)
	return &p, nil
}

// Version returns the manager's version, such as "252.39-1~deb12u2".
func (m *Manager) Version(ctx context.Context) (string, error) {
	var v string
	if err := m.get(ctx, "Version", &v); err != nil {
		return "", err
	}
	return v, nil
}

// SystemState returns the manager's overall state.
func (m *Manager) SystemState(ctx context.Context) (SystemState, error) {
	var s string
	if err := m.get(ctx, "SystemState", &s); err != nil {
		return "", err
	}
	return SystemState(s), nil
}

func (m *Manager) get(ctx context.Context, name string, dst *string) error {
	v, err := m.c.Conn.Get(ctx, bus.ManagerPath, bus.ManagerInterface, name)
	if err != nil {
		return fmt.Errorf("read manager property %s: %w", name, err)
	}

	s, ok := v.Value().(string)
	if !ok {
		return fmt.Errorf("read manager property %s: it is %s, not a string", name, v.Signature())
	}
	*dst = s
	return nil
}

// Reload reloads the manager's configuration, as systemctl daemon-reload
// does, and returns once the reload is complete.
func (m *Manager) Reload(ctx context.Context) error {
	err := m.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.Reload).Err
	if err != nil {
		return fmt.Errorf("reload manager: %w", err)
	}
	return nil
}

func usecTime(usec uint64) time.Time {
	if usec == 0 || usec == unit.Infinity {
		return time.Time{}
	}
	return time.UnixMicro(int64(usec))
}
