package run

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
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
// Every PropertiesChanged systemd sends for a unit carries all the
// properties that announce their changes, first of the unit's own type
// (Service, Scope) and then of the Unit interface. So the signals alone
// tell the unit's state, and at its end its result and exit status: only
// the resource counters, which systemd does not announce, are read.
//
// NB: systemd announces a new unit with UnitNew and sends PropertiesChanged
// only for changes after that announcement. If systemd held back its
// signals (it does while its bus queue is over 1024 messages) until the unit
// had ended, watch would see no change and wait on. systemd-run --wait
// follows the same signals and shares this limit.
type watch struct {
	conn  *bus.Conn
	calls *gate
	sub   *bus.Subscription
	path  dbus.ObjectPath
	iface string // the interface of the unit's type

	st    unitState // the state so far; valid once known is set
	known bool

	// fin is what the signals told of the result since the state was last
	// read; unitSeen and typeSeen say that a signal of each interface
	// filled it completely.
	fin                finalProps
	unitSeen, typeSeen bool
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

// started reports whether the unit's start job is done, however it went.
func (s unitState) started() bool {
	return s.Job.ID == 0
}

// newWatch subscribes to the changes of the named unit, whose type has the
// interface iface. The Cmds of a connection share one match rule for the
// signals of all units (bus.Match.Via): a Cmd then costs no round trip to
// the bus daemon, and the connection receives the signals of other units
// too while Cmds run, which it drops.
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
func newWatch(ctx context.Context, conn *bus.Conn, name, iface string, calls *gate,
) (*watch, error) {
	sub, err := conn.Subscribe(ctx, unitMatch(name))
	if err != nil {
		return nil, fmt.Errorf("watch unit %s: %w", name, err)
	}
	return &watch{conn: conn, calls: calls, sub: sub, path: bus.UnitPath(name), iface: iface}, nil
}

// allUnitsChanges is the rule that the Cmds of a connection share.
var allUnitsChanges = bus.Match{
	PathNamespace: bus.UnitPathPrefix,
	Interface:     bus.PropertiesInterface,
	Member:        bus.PropertiesChanged,
}

func unitMatch(name string) bus.Match {
	return bus.Match{
		Path:      bus.UnitPath(name),
		Interface: bus.PropertiesInterface,
		Member:    bus.PropertiesChanged,
		Via:       &allUnitsChanges,
	}
}

func (w *watch) close() {
	w.sub.Close()
}

// queued records the start job that StartTransientUnit returned. The unit
// did not exist before that call and the subscription was in place, so
// every change since then comes as a signal: its state need not be read.
func (w *watch) queued(job dbus.ObjectPath) {
	id, err := strconv.ParseUint(path.Base(string(job)), 10, 32)
	if err != nil {
		return // not a job path: the state gets read
	}
	w.st = unitState{ActiveState: "inactive", Job: jobRef{ID: uint32(id), Path: job}}
	w.known = true
}

// wait returns once the unit's state meets cond, such as unitState.over.
// It follows the signals, and reads the state when it is not known: at
// first if queued was not called, and after every gap in the signals (a
// reconnect or daemon-reexec).
func (w *watch) wait(ctx context.Context, cond func(unitState) bool) error {
	for {
		if !w.known {
			if err := w.read(ctx); err != nil {
				return err
			}
		}
		if cond(w.st) {
			return nil
		}

		select {
		case ev, ok := <-w.sub.Events():
			if !ok {
				return errWatchClosed
			}
			w.apply(ev)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// apply applies one event to the state; an event that does not carry the
// whole state makes it unknown.
func (w *watch) apply(ev bus.Event) {
	if ev.Reset != bus.NoReset {
		w.known = false
		return
	}

	sig, err := bus.ParsePropertiesChanged(ev.Signal)
	if err != nil {
		return
	}
	switch sig.Interface {
	case bus.UnitInterface:
		absent, err := bus.Decode(sig.Changed, &w.st)
		w.known = w.known && err == nil && len(absent) == 0
		w.unitSeen = decodeAll(sig.Changed, &w.fin.finalUnit)
	case w.iface:
		w.typeSeen = decodeAll(sig.Changed, &w.fin.finalType)
	}
}

// decodeAll decodes props into dst and tells whether they held every
// property dst has.
func decodeAll(props map[string]dbus.Variant, dst any) bool {
	absent, err := bus.Decode(props, dst)
	return err == nil && len(absent) == 0
}

// read asks systemd for the unit's state. What the signals told of the
// result before is set aside: the result is read whole unless signals
// tell it again.
func (w *watch) read(ctx context.Context) error {
	var st unitState
	err := w.calls.do(ctx, func() error {
		_, err := w.conn.ReadProperties(ctx, w.path, bus.UnitInterface, &st)
		return err
	})
	if err != nil {
		return err
	}

	w.st, w.known = st, true
	w.unitSeen, w.typeSeen = false, false
	return nil
}

// finalProps are the properties a Result is made of, from the Unit
// interface, the unit type's interface and the cgroup accounting.
type finalProps struct {
	// LoadState tells whether the unit is still the one that ran. systemd
	// does not announce it.
	LoadState string `dbus:"LoadState"`

	finalUnit
	finalType
	counters
}

// finalUnit holds the Unit interface's part of a result.
type finalUnit struct {
	InvocationID  []byte `dbus:"InvocationID"`
	InactiveExit  uint64 `dbus:"InactiveExitTimestampMonotonic"`
	InactiveEnter uint64 `dbus:"InactiveEnterTimestampMonotonic"`
}

// finalType holds the unit type's part of a result. A scope has only Result.
type finalType struct {
	Result         string `dbus:"Result"`
	ExecMainPID    uint32 `dbus:"ExecMainPID"`
	ExecMainCode   int32  `dbus:"ExecMainCode"`
	ExecMainStatus int32  `dbus:"ExecMainStatus"`
}

// counters are systemd's resource accounting, which its signals do not
// carry.
type counters struct {
	CPUUsageNSec   uint64 `dbus:"CPUUsageNSec"`
	MemoryPeak     uint64 `dbus:"MemoryPeak"`
	IPIngressBytes uint64 `dbus:"IPIngressBytes"`
	IPEgressBytes  uint64 `dbus:"IPEgressBytes"`
	IOReadBytes    uint64 `dbus:"IOReadBytes"`
	IOWriteBytes   uint64 `dbus:"IOWriteBytes"`
}

// counterNames are the properties of counters, read one by one.
var counterNames = []string{
	"CPUUsageNSec", "MemoryPeak", "IPIngressBytes", "IPEgressBytes",
	"IOReadBytes", "IOWriteBytes",
}

// notCounted is how systemd says that it does not count a quantity.
const notCounted = ^uint64(0)

var uncounted = counters{
	MemoryPeak: notCounted, IPIngressBytes: notCounted, IPEgressBytes: notCounted,
	IOReadBytes: notCounted, IOWriteBytes: notCounted, CPUUsageNSec: notCounted,
}

// testHookResult, set by tests, learns whether each result was taken from
// the signals (true) or read whole.
var testHookResult func(fromSignals bool)

// result returns what the finished unit reports, its resource usage
// included if usage is set, and drops the unit's reference, so that
// systemd may collect it.
func (w *watch) result(ctx context.Context, name string, usage bool) (*Result, error) {
	fromSignals := w.unitSeen && (w.typeSeen || w.iface == bus.ScopeInterface)
	if testHookResult != nil {
		testHookResult(fromSignals)
	}
	if !fromSignals {
		return w.readResult(ctx, name, true)
	}

	p := w.fin
	if !usage {
		p.counters = uncounted
		// An error leaves the unit referenced until the connection closes;
		// there is nobody to tell.
		_ = w.conn.SendNoReply(ctx, bus.ManagerPath, bus.ManagerInterface, bus.UnrefUnit, name)
		return p.toResult(name), nil
	}

	loaded, err := w.readCounters(ctx, name, &p.counters)
	switch {
	case bus.Lost(err):
		// The reference went with the lost connection.
		return w.readResult(ctx, name, false)
	case err != nil:
		return nil, fmt.Errorf("read result of unit %s: %w", name, err)
	case !loaded:
		p.counters = uncounted // read from a unit loaded anew, not this one
	}
	return p.toResult(name), nil
}

// readCounters reads LoadState, to tell whether the counters are the
// unit's, and the counters, with one Get each, all sent at once; after them
// the UnrefUnit that lets systemd collect the unit: systemd answers them in
// that order. A counter the running systemd lacks stays uncounted.
func (w *watch) readCounters(ctx context.Context, name string, dst *counters,
) (loaded bool, err error) {
	names := append([]string{"LoadState"}, counterNames...)
	calls := len(names) + 1

	*dst = uncounted
	err = w.calls.doN(ctx, calls, func() error {
		pending := make([]*bus.Pending, 0, calls)
		for i, n := range names {
			iface := w.iface
			if i == 0 {
				iface = bus.UnitInterface
			}
			pending = append(pending, w.conn.Send(ctx, w.path, bus.PropertiesInterface, "Get",
				iface, n))
		}
		pending = append(pending, w.conn.Send(ctx, bus.ManagerPath, bus.ManagerInterface,
			bus.UnrefUnit, name))

		props, err := gets(names, pending)
		if err != nil {
			return err
		}
		_, err = bus.Decode(props, dst)
		loaded = props["LoadState"].Value() == "loaded"
		return err
	})
	return loaded, err
}

// gets collects the replies of Gets of names, the first of pending, into a
// map. The replies of any calls after them are waited for and ignored.
func gets(names []string, pending []*bus.Pending) (map[string]dbus.Variant, error) {
	props := make(map[string]dbus.Variant, len(names))
	var first error
	for i, p := range pending {
		reply := p.Reply()
		if i >= len(names) {
			continue
		}

		var v dbus.Variant
		switch err := reply.Store(&v); {
		case err == nil:
			props[names[i]] = v
		case errors.Is(err, gostemd.ErrUnknownProperty):
		case first == nil:
			first = fmt.Errorf("get property %s: %w", names[i], err)
		}
	}
	return props, first
}

// readResult reads the whole result in one call: GetAll with no interface
// name returns the properties of all of them. It is the way when signals
// did not tell the result.
func (w *watch) readResult(ctx context.Context, name string, unref bool) (*Result, error) {
	if unref {
		// Whatever the outcome: the connection lives on, and a unit it
		// holds would never be collected.
		defer w.unref(ctx, name)
	}

	var all map[string]dbus.Variant
	err := w.calls.do(ctx, func() (err error) {
		all, err = w.conn.GetAll(ctx, w.path, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read result of unit %s: %w", name, err)
	}

	p := finalProps{counters: uncounted}
	if _, err := bus.Decode(all, &p); err != nil {
		return nil, fmt.Errorf("read result of unit %s: %w", name, err)
	}
	if p.LoadState != "loaded" {
		return nil, fmt.Errorf("read result of unit %s: %w", name, errUnitLost)
	}
	return p.toResult(name), nil
}

// unref drops the unit's reference. An error leaves the unit referenced
// until the connection closes; there is nobody to tell.
func (w *watch) unref(ctx context.Context, name string) {
	_ = w.calls.do(ctx, func() error {
		return w.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.UnrefUnit, name).Err
	})
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
