package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// errWatchClosed means that the subscription ended before the unit did,
// which happens when the Conn is closed.
var errWatchClosed = errors.New("connection closed while waiting")

// errUnitLost means that systemd unloaded the unit before its result was
// read, having lost the reference that should have kept it.
var errUnitLost = errors.New("unit unloaded before its result was read " +
	"(systemd lost its reference)")

// watch follows one unit's state through the PropertiesChanged signals of
// its object. It is set up before the unit exists, so that the signals of a
// unit that ends at once are not missed; only signals of that one object
// reach it, so many concurrent Cmds do not see each other's traffic.
//
// NB: systemd announces a new unit with UnitNew and sends PropertiesChanged
// only for changes after that announcement. If systemd held back its
// signals (it does while its bus queue is over 1024 messages) for the whole
// life of the unit, watch would see no change after its first read and wait
// on. systemd-run --wait follows the same signals and shares this limit.
type watch struct {
	conn  *bus.Conn
	calls gate
	sub   *bus.Subscription
	path  dbus.ObjectPath
}

// unitState is what decides whether the run is over.
type unitState struct {
	ActiveState string `dbus:"ActiveState"`
	Job         jobRef `dbus:"Job"`
}

// jobRef is a unit's pending job (uo); ID 0 means none.
type jobRef struct {
	ID   uint32
	Path dbus.ObjectPath
}

// over reports whether the unit has stopped with nothing left to do, as
// systemd-run --wait decides it.
func (s unitState) over() bool {
	return (s.ActiveState == "inactive" || s.ActiveState == "failed") && s.Job.ID == 0
}

// newWatch subscribes to the changes of the named unit.
//
// It does not take systemd's manager subscription: systemd also sends a
// unit's signals while a client holds a reference on it, which the unit is
// started with (AddRef). Each subscribed client and each reference costs
// systemd a match rule on its own bus connection, and dbus-daemon allows
// 512 (max_match_rules_per_connection); systemd 252 drops off the bus when
// it runs out, and forgets the references. So every Cmd running at once
// costs one of them.
//
// NB: about 400 Cmds running at once, across all processes, exhaust
// systemd's match rules on a default system bus configuration.
func newWatch(ctx context.Context, conn *bus.Conn, name string, calls gate) (*watch, error) {
	path := bus.UnitPath(name)
	sub, err := conn.Subscribe(ctx, bus.Match{
		Path:      path,
		Interface: bus.PropertiesInterface,
		Member:    bus.PropertiesChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("watch unit %s: %w", name, err)
	}
	return &watch{conn: conn, calls: calls, sub: sub, path: path}, nil
}

func (w *watch) close() {
	w.sub.Close()
}

// started reports whether the unit's start job is done, however it went.
func (s unitState) started() bool {
	return s.Job.ID == 0
}

// wait returns once the unit's state meets cond, such as unitState.over.
// It reads the state once, then follows the signals, and reads the state
// again after every gap in them (a reconnect or daemon-reexec).
func (w *watch) wait(ctx context.Context, cond func(unitState) bool) error {
	st, err := w.read(ctx)
	for err == nil && !cond(st) {
		select {
		case ev, ok := <-w.sub.Events():
			if !ok {
				return errWatchClosed
			}
			st, err = w.next(ctx, st, ev)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// next applies one event to the state, reading the state afresh when the
// event does not carry all of it.
func (w *watch) next(ctx context.Context, st unitState, ev bus.Event) (unitState, error) {
	if ev.Reset != bus.NoReset {
		return w.read(ctx)
	}

	sig, err := bus.ParsePropertiesChanged(ev.Signal)
	if err != nil || sig.Interface != bus.UnitInterface {
		return st, nil
	}

	absent, err := bus.Decode(sig.Changed, &st)
	if err != nil || len(absent) > 0 {
		return w.read(ctx)
	}
	return st, nil
}

// read asks systemd for the unit's state.
func (w *watch) read(ctx context.Context) (unitState, error) {
	var st unitState
	err := w.calls.do(ctx, func() error {
		_, err := w.conn.ReadProperties(ctx, w.path, bus.UnitInterface, &st)
		return err
	})
	return st, err
}

// finalProps are the properties a Result is made of, from the Unit and
// Service interfaces and the cgroup accounting.
type finalProps struct {
	LoadState     string `dbus:"LoadState"`
	InvocationID  []byte `dbus:"InvocationID"`
	InactiveExit  uint64 `dbus:"InactiveExitTimestampMonotonic"`
	InactiveEnter uint64 `dbus:"InactiveEnterTimestampMonotonic"`

	Result         string `dbus:"Result"`
	ExecMainPID    uint32 `dbus:"ExecMainPID"`
	ExecMainCode   int32  `dbus:"ExecMainCode"`
	ExecMainStatus int32  `dbus:"ExecMainStatus"`

	CPUUsageNSec   uint64 `dbus:"CPUUsageNSec"`
	MemoryPeak     uint64 `dbus:"MemoryPeak"`
	IPIngressBytes uint64 `dbus:"IPIngressBytes"`
	IPEgressBytes  uint64 `dbus:"IPEgressBytes"`
	IOReadBytes    uint64 `dbus:"IOReadBytes"`
	IOWriteBytes   uint64 `dbus:"IOWriteBytes"`
}

// notCounted is how systemd says that it does not count a quantity.
const notCounted = ^uint64(0)

// result reads what the finished unit reports, in one call: GetAll with
// no interface name returns the properties of all of them.
func (w *watch) result(ctx context.Context, name string) (*Result, error) {
	var all map[string]dbus.Variant
	err := w.calls.do(ctx, func() (err error) {
		all, err = w.conn.GetAll(ctx, w.path, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read result of unit %s: %w", name, err)
	}

	p := finalProps{
		MemoryPeak: notCounted, IPIngressBytes: notCounted, IPEgressBytes: notCounted,
		IOReadBytes: notCounted, IOWriteBytes: notCounted, CPUUsageNSec: notCounted,
	}
	if _, err := bus.Decode(all, &p); err != nil {
		return nil, fmt.Errorf("read result of unit %s: %w", name, err)
	}
	if p.LoadState != "loaded" {
		return nil, fmt.Errorf("read result of unit %s: %w", name, errUnitLost)
	}
	return p.toResult(name), nil
}

func (p *finalProps) toResult(name string) *Result {
	r := &Result{
		Unit:       name,
		MainPID:    int(p.ExecMainPID),
		UnitResult: unit.Result(p.Result),
		Code:       unit.ExitCode(p.ExecMainCode),
		Status:     int(p.ExecMainStatus),
	}
	copy(r.InvocationID[:], p.InvocationID)

	if p.InactiveExit != 0 && p.InactiveEnter > p.InactiveExit {
		r.Runtime = time.Duration(p.InactiveEnter-p.InactiveExit) * time.Microsecond
	}

	r.Usage.MemoryPeak = counted(p.MemoryPeak)
	r.Usage.IPIngressBytes = counted(p.IPIngressBytes)
	r.Usage.IPEgressBytes = counted(p.IPEgressBytes)
	r.Usage.IOReadBytes = counted(p.IOReadBytes)
	r.Usage.IOWriteBytes = counted(p.IOWriteBytes)
	if p.CPUUsageNSec != notCounted {
		cpu := time.Duration(p.CPUUsageNSec)
		r.Usage.CPUUsage = &cpu
	}
	return r
}

// counted returns nil for a quantity systemd does not count.
func counted(v uint64) *uint64 {
	if v == notCounted {
		return nil
	}
	return &v
}
