package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// D-Bus names the raw client uses.
const (
	systemdName    = "org.freedesktop.systemd1"
	systemdPath    = dbus.ObjectPath("/org/freedesktop/systemd1")
	managerIface   = "org.freedesktop.systemd1.Manager"
	unitIface      = "org.freedesktop.systemd1.Unit"
	serviceIface   = "org.freedesktop.systemd1.Service"
	propsChanged   = "org.freedesktop.DBus.Properties.PropertiesChanged"
	jobRemovedName = managerIface + ".JobRemoved"
)

// floor runs a transient service to its end with the fewest messages a
// correct client needs: it subscribes once (Manager.Subscribe and two match
// rules, one for JobRemoved and one for PropertiesChanged under the units'
// path), then each run is a single method call, StartTransientUnit, followed
// by signals only. The run is over when the start job is gone and the unit
// is inactive or failed with no job; the Result and exit status come from the
// Service interface's PropertiesChanged, which carries every property that
// emits changes. No AddRef, no GetAll, no per-unit match rule.
type floor struct {
	conn *dbus.Conn
	mgr  dbus.BusObject
	sigs chan *dbus.Signal
}

func newFloor(ctx context.Context) (*floor, error) {
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	f := &floor{conn: conn, mgr: conn.Object(systemdName, systemdPath), sigs: make(chan *dbus.Signal, 1024)}
	conn.Signal(f.sigs)

	err = conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(systemdName),
		dbus.WithMatchInterface(managerIface), dbus.WithMatchMember("JobRemoved"))
	if err == nil {
		err = conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(systemdName),
			dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
			dbus.WithMatchMember("PropertiesChanged"),
			dbus.WithMatchPathNamespace("/org/freedesktop/systemd1/unit"))
	}
	if err == nil {
		err = f.mgr.CallWithContext(ctx, managerIface+".Subscribe", 0).Err
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return f, nil
}

func (f *floor) Close() error { return f.conn.Close() }

// execStart is one ExecStart= command on the wire: a(sasb).
type execStart struct {
	Path          string
	Argv          []string
	IgnoreFailure bool
}

type property struct {
	Name  string
	Value dbus.Variant
}

// run starts argv as the transient service name and waits for its end. It
// returns the service's Result.
func (f *floor) run(ctx context.Context, name string, argv []string) (string, error) {
	return f.start(ctx, name, argv, false)
}

// counterNames are the resource counters a run's result reports, which
// systemd's signals do not carry.
var counterNames = []string{
	"CPUUsageNSec", "MemoryPeak", "IPIngressBytes", "IPEgressBytes", "IOReadBytes", "IOWriteBytes",
}

// runWithUsage is run that also reads the unit's resource counters after
// its end, as systemd-run --wait and gostemd's run do: the unit is started
// with a reference (AddRef), so that systemd keeps it loaded until then, and
// after the end the client sends a Get of its LoadState (to know that the
// counters are that unit's), one Get per counter and UnrefUnit, all at once,
// and waits for the replies.
func (f *floor) runWithUsage(ctx context.Context, name string, argv []string) (string, error) {
	result, err := f.start(ctx, name, argv, true)
	if err != nil {
		return "", err
	}

	path := unitObjectPath(name)
	obj := f.conn.Object(systemdName, path)
	replies := make(chan *dbus.Call, len(counterNames)+2)
	obj.GoWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, replies, unitIface, "LoadState")
	for _, n := range counterNames {
		obj.GoWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, replies, serviceIface, n)
	}
	f.mgr.GoWithContext(ctx, managerIface+".UnrefUnit", 0, replies, name)
	for range cap(replies) {
		// MemoryPeak is missing before systemd 256; that error is expected.
		<-replies
	}
	return result, nil
}

func (f *floor) start(ctx context.Context, name string, argv []string, addRef bool) (string, error) {
	props := []property{
		{"ExecStart", dbus.MakeVariant([]execStart{{argv[0], argv, false}})},
	}
	if addRef {
		props = append(props, property{"AddRef", dbus.MakeVariant(true)})
	}
	var job dbus.ObjectPath
	err := f.mgr.CallWithContext(ctx, managerIface+".StartTransientUnit", 0,
		name, "fail", props, []struct {
			Name  string
			Props []property
		}{}).Store(&job)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	return f.wait(ctx, name)
}

// unitState is what the floor tracks of its unit from the signals.
type unitState struct {
	jobGone, haveUnit bool
	active, result    string
	jobID             uint32
}

func (s unitState) over() bool {
	return s.jobGone && s.haveUnit && s.jobID == 0 && (s.active == "inactive" || s.active == "failed")
}

func (f *floor) wait(ctx context.Context, name string) (string, error) {
	path := unitObjectPath(name)
	var st unitState
	for !st.over() {
		select {
		case sig := <-f.sigs:
			st = st.apply(sig, name, path)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return st.result, nil
}

func (s unitState) apply(sig *dbus.Signal, name string, path dbus.ObjectPath) unitState {
	switch {
	case sig.Name == jobRemovedName && len(sig.Body) == 4 && sig.Body[2] == name:
		s.jobGone = true
	case sig.Name == propsChanged && sig.Path == path && len(sig.Body) >= 2:
		changed, _ := sig.Body[1].(map[string]dbus.Variant)
		switch sig.Body[0] {
		case serviceIface:
			if v, ok := changed["Result"].Value().(string); ok {
				s.result = v
			}
		case unitIface:
			if v, ok := changed["ActiveState"].Value().(string); ok {
				s.active, s.haveUnit = v, true
			}
			if job, ok := changed["Job"].Value().([]any); ok && len(job) == 2 {
				s.jobID, _ = job[0].(uint32)
			}
		}
	}
	return s
}

// unitObjectPath is the object path systemd gives a unit: its name with
// every byte that is not a letter or digit escaped as _xx.
func unitObjectPath(name string) dbus.ObjectPath {
	var sb strings.Builder
	sb.WriteString("/org/freedesktop/systemd1/unit/")
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "_%02x", c)
		}
	}
	return dbus.ObjectPath(sb.String())
}
