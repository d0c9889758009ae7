package watch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/manager"
)

// DefaultBuffer is how many events a Watcher holds for its reader unless
// Options.Buffer says otherwise.
const DefaultBuffer = 512

// Options configure Open. A nil *Options, like the zero value, watches
// every unit with the default buffer.
type Options struct {
	// Units names the units to watch. Empty, the default, watches every
	// unit systemd loads.
	Units []string

	// Buffer is how many events may wait for the reader. When they do not
	// fit, the Watcher drops the events that follow and, once the reader
	// catches up, sends a Resync with the state of the units concerned.
	// Zero means DefaultBuffer.
	Buffer int
}

// Watcher is a stream of events about units, in the order systemd sent
// them. It must be closed. It is safe for concurrent use, but Events has
// one stream: each event goes to one reader.
type Watcher struct {
	conn   *bus.Conn
	sub    *bus.Subscription
	events chan Event

	// ctx bounds the calls run makes; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
	once   sync.Once
	err    error // why the stream ended; set before done is closed

	// The fields below belong to the goroutine running run.
	table
	reload     *reloadState
	lag        *lag
	announcing []*tracked // units whose announced read is pending
}

// Units watches the named units. The first event is a Resync with Reason
// Initial holding their state. Units that systemd has not loaded are
// watched too: they appear with an empty LoadState, and an Added event
// follows when they are loaded.
//
// The watch costs one goroutine, and a match rule on the bus for each of up
// to 32 units, which has it receive their signals only (see Cost in the
// package documentation). ctx bounds the setup only; Close ends the watch.
func Units(ctx context.Context, m *manager.Manager, names ...string) (*Watcher, error) {
	if len(names) == 0 {
		return nil, errors.New("watch units: no unit named")
	}
	return Open(ctx, m, &Options{Units: names})
}

// All watches every unit systemd loads. The first event is a Resync with
// Reason Initial holding the state of every loaded unit.
func All(ctx context.Context, m *manager.Manager) (*Watcher, error) {
	return Open(ctx, m, nil)
}

// Open starts a watch as opts say. It subscribes to systemd's signals
// before it reads the state of the units, so no change is missed in
// between. ctx bounds the setup only; the caller must Close the Watcher.
func Open(ctx context.Context, m *manager.Manager, opts *Options) (*Watcher, error) {
	w, err := open(ctx, client.OfManager(m).Conn, opts)
	if err != nil {
		return nil, fmt.Errorf("watch units: %w", err)
	}
	return w, nil
}

func open(ctx context.Context, conn *bus.Conn, opts *Options) (*Watcher, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}

	w := newWatcher(conn, o)
	if err := w.start(ctx); err != nil {
		w.cancel()
		return nil, err
	}

	go w.run()
	return w, nil
}

func newWatcher(conn *bus.Conn, o Options) *Watcher {
	wctx, cancel := context.WithCancel(context.Background())
	return &Watcher{
		conn:   conn,
		events: make(chan Event, o.Buffer),
		ctx:    wctx,
		cancel: cancel,
		done:   make(chan struct{}),
		table:  newTable(o.Units),
	}
}

// start subscribes, then reads the state of the watched units and queues
// the Initial Resync.
func (w *Watcher) start(ctx context.Context) error {
	// Reads honour both ctx and Close, which cannot come yet.
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()

	names := w.names()
	rules := ownRules(names)
	reads, err := w.subscribeAndRead(ctx, names, rules)
	switch {
	case rules == nil:
	case errors.Is(err, gostemd.ErrLimitsExceeded):
		// The connection has no room left for a rule per unit; one for
		// all units may still fit.
		reads, err = w.subscribeAndRead(ctx, names, nil)
	case err == nil && aliased(reads):
		// A unit watched under an alias signals its changes from the
		// object of its primary name, which the rules left out.
		w.sub.Close()
		reads, err = w.subscribeAndRead(ctx, names, nil)
	}
	if err != nil {
		return err
	}

	w.replace(reads)
	w.events <- Resync{Reason: Initial, States: w.states()}
	return nil
}

// subscribeAndRead subscribes to systemd's signals, with the bus rules
// given or, if nil, one rule for all units, then reads the watched units,
// names (nil for every unit).
func (w *Watcher) subscribeAndRead(ctx context.Context, names []string, rules []bus.Match,
) ([]unitRead, error) {
	m := bus.Match{PathNamespace: bus.ManagerPath, ManagerSubscribe: true}
	var err error
	if rules == nil {
		w.sub, err = w.conn.Subscribe(ctx, m)
	} else {
		m.Via = &managerSignals
		w.sub, err = w.conn.SubscribeRules(ctx, m, rules, ownSignals(names))
	}
	if err != nil {
		return nil, err
	}

	reads, err := readUnits(w.ctx, w.conn, names)
	if err != nil {
		w.sub.Close()
		return nil, contextOr(ctx, err)
	}
	return reads, nil
}

// maxOwnRules is how many units a Watcher follows with a match rule each at
// most; it follows more with one rule for all units. dbus-daemon allows a
// connection 512 rules, which the connection's other users need too.
const maxOwnRules = 32

// managerSignals is the rule for systemd's Manager signals (UnitNew,
// JobRemoved, ...), which are few and small. The Watchers of a connection
// that have rules of their own share it, so that one of a single unit
// costs one rule more than the connection already has.
var managerSignals = bus.Match{Path: bus.ManagerPath, Interface: bus.ManagerInterface}

// ownRules returns the bus rules that bring, besides managerSignals, the
// signals about the named units and no others: the PropertiesChanged of
// each unit's object. Of the units it does not watch, a busy machine then
// sends the Watcher only Manager signals, not their property changes,
// which are most of the traffic. It returns nil for every unit or too many.
func ownRules(names []string) []bus.Match {
	if names == nil || len(names) > maxOwnRules {
		return nil
	}

	rules := make([]bus.Match, 0, len(names))
	for _, name := range names {
		rules = append(rules, bus.Match{
			Path:      bus.UnitPath(name),
			Interface: bus.PropertiesInterface,
			Member:    bus.PropertiesChanged,
		})
	}
	return rules
}

// ownSignals keeps, of the signals a connection receives for all its
// subscriptions, those a Watcher with rules of its own needs: the
// property changes of its units, and of the Manager's signals, those about
// its units and the start and end of reloads. Without it, every Watcher of
// the connection would wake up for each unit and job signal, most of all
// during a daemon-reload, when systemd announces every unit again.
func ownSignals(names []string) bus.Filter {
	units := make(map[string]bool, len(names))
	paths := make(map[dbus.ObjectPath]bool, len(names))
	for _, name := range names {
		units[name] = true
		paths[bus.UnitPath(name)] = true
	}

	return func(iface, member string, sig *dbus.Signal) bool {
		switch {
		case iface == bus.PropertiesInterface:
			return paths[sig.Path]
		case iface != bus.ManagerInterface:
			return false
		}
		switch member {
		case bus.Reloading:
			return true
		case bus.UnitNew, bus.UnitRemoved:
			return namesUnit(sig, 0, units)
		case bus.JobNew, bus.JobRemoved:
			return namesUnit(sig, 2, units)
		}
		return false
	}
}

// namesUnit tells whether argument i of sig is one of the unit names.
func namesUnit(sig *dbus.Signal, i int, units map[string]bool) bool {
	if len(sig.Body) <= i {
		return false
	}
	name, _ := sig.Body[i].(string)
	return units[name]
}

// aliased tells whether a read found a unit under another object path than
// its name's: the name is an alias.
func aliased(reads []unitRead) bool {
	for _, r := range reads {
		if r.path != "" && r.path != bus.UnitPath(r.name) {
			return true
		}
	}
	return false
}

// contextOr returns ctx's error when ctx has ended, else err.
func contextOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Events returns the stream. It is closed after Close, or when the watch
// cannot go on (see Err).
func (w *Watcher) Events() <-chan Event {
	return w.events
}

// Err tells why Events was closed: nil after Close, gostemd.ErrClosed when
// the Manager was closed, or the error of a read that failed after a
// reconnect. It is nil while the stream runs.
func (w *Watcher) Err() error {
	select {
	case <-w.done:
		return w.err
	default:
		return nil
	}
}

// Close ends the watch and waits for its goroutine. Events is closed;
// events not read yet are dropped.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		w.cancel()
		<-w.done
		w.sub.Close()
	})
	return nil
}

// run handles systemd's signals and hands events to the reader until
// Close or the end of the connection.
func (w *Watcher) run() {
	// done closes before events, so that a reader who sees the end of
	// Events finds the reason in Err.
	defer close(w.events)
	defer close(w.done)

	for {
		var (
			out  chan<- Event
			next Event
		)
		if w.lag != nil {
			out, next = w.events, w.lag.resync(&w.table)
		}

		select {
		case <-w.ctx.Done():
			return
		case out <- next:
			w.lag = nil
		case e, ok := <-w.sub.Events():
			if !ok {
				w.err = fmt.Errorf("watch units: %w", gostemd.ErrClosed)
				return
			}
			if err := w.handle(e); err != nil {
				w.err = w.endError(err)
				return
			}
		}
	}
}

// endError is the error that ends the stream, nil if Close ended it.
func (w *Watcher) endError(err error) error {
	if w.ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("watch units: %w", err)
}

// emit hands an event about one unit to the reader without waiting. When
// the buffer is full the Watcher falls behind: this event and those after
// it are dropped until the reader takes a Resync for their units.
func (w *Watcher) emit(e Event, unit string) {
	if w.lag != nil {
		w.lag.add(unit)
		return
	}

	select {
	case w.events <- e:
	default:
		w.lag = newLag(FellBehind)
		w.lag.add(unit)
	}
}

// emitResync hands a Resync of every watched unit to the reader, or makes
// the pending one cover every unit.
func (w *Watcher) emitResync(reason Reason) {
	if w.lag == nil {
		select {
		case w.events <- Resync{Reason: reason, States: w.states()}:
			return
		default:
			w.lag = newLag(reason)
		}
	}
	w.lag.reason = reason
	w.lag.all = true
	w.lag.dirty = true
}

// handle turns one item of the subscription into events.
func (w *Watcher) handle(e bus.Event) error {
	switch {
	case e.Reset != bus.NoReset:
		return w.resync(e.Reset)
	case e.Mark != nil:
		return w.announce(func(r *unitRead) bool { return r == e.Mark })
	}

	sig := e.Signal
	if testHookDrop(sig) {
		return nil
	}
	if err := w.announce(func(r *unitRead) bool { return r.since < sig.Sequence }); err != nil {
		return err
	}
	switch sig.Name {
	case propertiesChanged:
		w.propertiesChanged(sig)
	case unitNew:
		return w.unitNew(sig)
	case unitRemoved:
		w.unitRemoved(sig)
	case jobNew:
		w.jobNew(sig)
	case jobRemoved:
		w.jobRemoved(sig)
	case reloading:
		return w.reloading(sig)
	}
	return nil
}

// Full names of the signals a Watcher handles.
const (
	propertiesChanged = bus.PropertiesInterface + "." + bus.PropertiesChanged
	unitNew           = bus.ManagerInterface + "." + bus.UnitNew
	unitRemoved       = bus.ManagerInterface + "." + bus.UnitRemoved
	jobNew            = bus.ManagerInterface + "." + bus.JobNew
	jobRemoved        = bus.ManagerInterface + "." + bus.JobRemoved
	reloading         = bus.ManagerInterface + "." + bus.Reloading
)

// resync reads every watched unit again after signals may have been lost.
func (w *Watcher) resync(reset bus.ResetReason) error {
	reads, err := readUnits(w.ctx, w.conn, w.names())
	if err != nil {
		return err
	}

	w.reload = nil
	w.unannounce()
	w.replace(reads)

	reason := Reconnected
	if reset == bus.OwnerChanged {
		reason = Reexecuted
	}
	w.emitResync(reason)
	return nil
}

// testHookDrop tells whether to ignore a signal; tests lose signals with it.
var testHookDrop = func(*dbus.Signal) bool { return false }

// stale tells whether a signal about t was sent before t's state was read.
func stale(t *tracked, sig *dbus.Signal) bool {
	return sig.Sequence < t.since
}
