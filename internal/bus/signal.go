package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Match selects the signals a subscription receives. Only signals sent by
// systemd are considered: on a bus, those whose sender is the connection
// that owns org.freedesktop.systemd1 right now. Empty fields match anything.
type Match struct {
	// Path selects one object. It excludes PathNamespace.
	Path dbus.ObjectPath

	// PathNamespace selects an object and every object below it, such as
	// UnitPathPrefix for all units.
	PathNamespace dbus.ObjectPath

	// Interface and Member select the signal, such as PropertiesInterface
	// and PropertiesChanged, or ManagerInterface and JobRemoved.
	Interface string
	Member    string

	// ManagerSubscribe keeps systemd's Manager.Subscribe in effect for as
	// long as the subscription lives. systemd only emits unit and job
	// signals, PropertiesChanged of units and jobs included, while some
	// client is subscribed. False, the default, leaves it alone.
	ManagerSubscribe bool

	// Via, when not nil, is a broader match whose rule the bus daemon gets
	// in place of this one's (with SubscribeRules, besides the rules
	// given). Subscriptions with the same Via share one rule: it is added
	// for the first, and removed a while (shareLinger) after the last has
	// closed. Each subscription still receives only the signals its own
	// fields select. One rule for all units' signals
	// instead of one per unit saves a round trip to the bus daemon for each
	// unit, at the cost of receiving, while the rule is in place, the
	// signals of units nobody here follows.
	Via *Match
}

func (m Match) validate() error {
	if m.Via != nil {
		if err := m.Via.validateRule("a shared rule"); err != nil {
			return fmt.Errorf("via: %w", err)
		}
	}

	switch {
	case m.Path != "" && m.PathNamespace != "":
		return errors.New("both Path and PathNamespace are set")
	case m.Path != "" && !m.Path.IsValid():
		return fmt.Errorf("invalid object path %q", m.Path)
	case m.PathNamespace != "" && !m.PathNamespace.IsValid():
		return fmt.Errorf("invalid object path %q", m.PathNamespace)
	case !validName(m.Interface, "."):
		return fmt.Errorf("invalid interface name %q", m.Interface)
	case !validName(m.Member, ""):
		return fmt.Errorf("invalid member name %q", m.Member)
	}
	return nil
}

// validateRule checks a match that the bus daemon holds as a rule apart
// from any subscription's own match (a Via, or a rule of SubscribeRules):
// Via and ManagerSubscribe belong to a subscription's match only. what
// names the rule in the error.
func (m Match) validateRule(what string) error {
	if err := m.validate(); err != nil {
		return err
	}
	if m.Via != nil || m.ManagerSubscribe {
		return fmt.Errorf("%s cannot have Via or ManagerSubscribe", what)
	}
	return nil
}

// validName checks that s holds only the characters of D-Bus names: ASCII
// letters, digits, underscores and the extra characters. Quotes and commas
// would break a match rule.
func validName(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isASCIILetter(c) && !isASCIIDigit(c) && c != '_' && !strings.ContainsRune(extra, rune(c)) {
			return false
		}
	}
	return true
}

// matches applies the match to a signal that systemd sent.
func (m Match) matches(iface, member string, path dbus.ObjectPath) bool {
	switch {
	case m.Interface != "" && m.Interface != iface:
		return false
	case m.Member != "" && m.Member != member:
		return false
	case m.Path != "":
		return m.Path == path
	case m.PathNamespace != "":
		return inNamespace(path, m.PathNamespace)
	}
	return true
}

func inNamespace(path, namespace dbus.ObjectPath) bool {
	if namespace == "/" || path == namespace {
		return true
	}
	return strings.HasPrefix(string(path), string(namespace)+"/")
}

// rule returns the match rule that makes the bus daemon send the signals.
// The sender is systemd's well-known name, which the daemon resolves to its
// owner of the moment, so the rule survives daemon-reexec.
func (m Match) rule() []dbus.MatchOption {
	opts := []dbus.MatchOption{dbus.WithMatchSender(Service)}
	if m.Path != "" {
		opts = append(opts, dbus.WithMatchObjectPath(m.Path))
	}
	if m.PathNamespace != "" {
		opts = append(opts, dbus.WithMatchPathNamespace(m.PathNamespace))
	}
	if m.Interface != "" {
		opts = append(opts, dbus.WithMatchInterface(m.Interface))
	}
	if m.Member != "" {
		opts = append(opts, dbus.WithMatchMember(m.Member))
	}
	return opts
}

func addRule(ctx context.Context, l *link, m Match) error {
	return translate(l.conn.AddMatchSignalContext(ctx, m.rule()...), false)
}

func removeRule(ctx context.Context, l *link, m Match) error {
	return translate(l.conn.RemoveMatchSignalContext(ctx, m.rule()...), false)
}

// addEach adds every rule of a subscription to l. When one fails, those
// added before it are removed again.
func addEach(ctx context.Context, l *link, rules []Match) error {
	for i, m := range rules {
		if err := addRule(ctx, l, m); err != nil {
			removeEach(ctx, l, rules[:i])
			return err
		}
	}
	return nil
}

// removeEach removes rules from l. An error leaves a rule that matches
// nothing anyone reads; the bus drops it with the connection.
func removeEach(ctx context.Context, l *link, rules []Match) {
	for _, m := range rules {
		_ = removeRule(ctx, l, m)
	}
}

// ResetReason says why a subscription's stream has a gap.
type ResetReason int

const (
	// NoReset marks an event that carries a signal.
	NoReset ResetReason = iota

	// Reconnected: the connection dropped and a new one is set up.
	Reconnected

	// OwnerChanged: another connection took over systemd's name on the
	// bus, as after daemon-reexec, while the bus connection stayed up.
	OwnerChanged
)

func (r ResetReason) String() string {
	switch r {
	case NoReset:
		return "none"
	case Reconnected:
		return "reconnected"
	case OwnerChanged:
		return "systemd's bus name changed owner"
	}
	return fmt.Sprintf("ResetReason(%d)", int(r))
}

// Event is one item of a subscription's stream: a signal, a reset, or a
// mark.
type Event struct {
	// Signal is the signal received, nil for a reset or a mark.
	// Subscriptions share it: do not modify it.
	Signal *dbus.Signal

	// Reset, when not NoReset, says that signals may have been missed
	// before this event: re-read the state you follow. The match rules and
	// the manager subscription are in place again when it arrives.
	Reset ResetReason

	// Mark, when not nil, is the value given to Mark: the event comes
	// after every signal the subscription had received by then.
	Mark any
}

// Subscription is a stream of the signals that match a Match, in the order
// they arrived. Its queue has no bound: a slow reader delays nobody and
// loses nothing, at the cost of memory.
type Subscription struct {
	c      *Conn
	match  Match
	rules  []Match // its own rules on the bus, besides any shared one (match.Via)
	keep   Filter  // nil keeps every signal match selects
	events chan Event

	mu    sync.Mutex
	queue []Event

	more      chan struct{} // has a token when queue may be non-empty
	done      chan struct{} // closed by stop
	stopOnce  sync.Once
	closeOnce sync.Once
}

// Subscribe starts receiving the signals m selects. When it returns, the
// match rule is on the bus and, with m.ManagerSubscribe, systemd's manager
// subscription is in effect: no matching signal sent afterwards is missed.
// The caller must Close the subscription.
func (c *Conn) Subscribe(ctx context.Context, m Match) (*Subscription, error) {
	if m.Via != nil {
		return c.subscribe(ctx, m, nil, nil)
	}
	return c.subscribe(ctx, m, []Match{m}, nil)
}

// Filter tells whether a subscription keeps a signal that its Match
// selects. It runs as the connection reads the signal, with the Conn's
// lock held: it must be quick, and must neither block nor use the Conn.
type Filter func(iface, member string, sig *dbus.Signal) bool

// SubscribeRules is Subscribe with the rules the bus daemon gets given
// apart from m: narrower ones, such as one for each object followed, so
// that the connection receives no signal of the others, where m selects
// them all. With m.Via, the subscription has the shared rule too. It still
// receives only what m selects, and of that, when keep is not nil, only
// what keep keeps: the connection receives for all its subscriptions
// together what their rules bring, and over a private socket, where no bus
// daemon filters, everything. The rules stay for its life, across
// reconnects.
func (c *Conn) SubscribeRules(ctx context.Context, m Match, rules []Match, keep Filter) (*Subscription, error) {
	if len(rules) == 0 {
		return nil, errors.New("subscribe: no rule given")
	}
	for i, r := range rules {
		if err := r.validateRule("a rule"); err != nil {
			return nil, fmt.Errorf("subscribe: rule %d: %w", i, err)
		}
	}
	return c.subscribe(ctx, m, slices.Clone(rules), keep)
}

func (c *Conn) subscribe(ctx context.Context, m Match, rules []Match, keep Filter) (*Subscription, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}

	s, err := c.newSubscription(m, rules, keep)
	if err != nil {
		return nil, err
	}

	if err := c.register(ctx, s); err != nil {
		s.shutdown(false)
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	if !m.ManagerSubscribe {
		return s, nil
	}

	if err := c.mgr.acquire(ctx, c); err != nil {
		s.shutdown(false)
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return s, nil
}

func (c *Conn) newSubscription(m Match, rules []Match, keep Filter) (*Subscription, error) {
	s := &Subscription{
		c:      c,
		match:  m,
		rules:  rules,
		keep:   keep,
		events: make(chan Event),
		more:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}

	if !c.goBackground(s.pump) {
		return nil, ErrClosed
	}
	return s, nil
}

// register adds s to the Conn and its match rule to the current link. If the
// link drops meanwhile, the supervisor adds the rule to the next one.
func (c *Conn) register(ctx context.Context, s *Subscription) error {
	for {
		l, _, err := c.usable(ctx)
		if err != nil {
			return err
		}

		current, hasRule := c.enroll(l, s)
		if !current {
			continue
		}
		if s.match.Via != nil {
			done, err := c.sharedAdded(ctx, l, s)
			switch {
			case !done:
				continue
			case err != nil || len(s.rules) == 0:
				return err
			}
		}
		if hasRule || l.peer {
			return nil
		}

		err = addEach(ctx, l, s.rules)
		if err != nil {
			linkFailed(l, err)
		}
		if done, err := c.ruleAdded(l, s, err); done {
			return err
		}
	}
}

// enroll adds s to the Conn if l is still the current link, and tells
// whether l already has s's rule.
func (c *Conn) enroll(l *link, s *Subscription) (current, hasRule bool) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.link != l {
		return false, false
	}
	if _, ok := c.subs[s]; !ok {
		c.subs[s] = struct{}{}
		c.enrollSharedLocked(s)
	}
	return true, l.rules[s]
}

// sharedAdded makes sure that l has the rule s relies on (Match.Via). It
// tells whether register is done, as ruleAdded does.
func (c *Conn) sharedAdded(ctx context.Context, l *link, s *Subscription) (bool, error) {
	switch err := c.ensureShared(ctx, l, *s.match.Via); {
	case err == nil:
		return true, nil
	case errors.Is(err, errLinkChanged):
		return false, nil
	default:
		c.unregister(s)
		return true, fmt.Errorf("add match rule: %w", err)
	}
}

// ruleAdded records the outcome of adding s's rule to l. It tells whether
// register is done: not when l went away meanwhile, since the next link
// gets the rule from the supervisor.
func (c *Conn) ruleAdded(l *link, s *Subscription, err error) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	alive := c.link == l && l.conn.Connected()
	switch {
	case err == nil && alive:
		l.rules[s] = true
		return true, nil
	case err != nil && alive:
		delete(c.subs, s)
		c.unregisterSharedLocked(s)
		return true, fmt.Errorf("add match rule: %w", err)
	}
	return false, nil
}

// Events returns the subscription's stream. It is closed after Close, and
// after the Conn's Close.
func (s *Subscription) Events() <-chan Event {
	return s.events
}

// Close ends the subscription: Events is closed, queued events are
// dropped, and the match rule and manager subscription are released in the
// background.
func (s *Subscription) Close() {
	s.shutdown(s.match.ManagerSubscribe)
}

// shutdown closes s; releaseManager says whether s holds a manager
// subscription to give back.
func (s *Subscription) shutdown(releaseManager bool) {
	s.closeOnce.Do(func() {
		c := s.c
		l := c.unregister(s)
		s.stop()

		if l == nil && !releaseManager {
			return
		}
		c.goBackground(func() { c.releaseSubscription(l, s.rules, releaseManager) })
	})
}

// unregister removes s from the Conn. It returns the link holding s's rule,
// if the current one does.
func (c *Conn) unregister(s *Subscription) *link {
	c.mu.Lock()
	defer c.mu.Unlock()

	if _, ok := c.subs[s]; ok {
		delete(c.subs, s)
		c.unregisterSharedLocked(s)
	}
	l := c.link
	if l == nil || !l.rules[s] {
		return nil
	}
	delete(l.rules, s)
	return l
}

// releaseSubscription removes a closed subscription's rules and gives back
// its manager subscription. Errors are ignored: the connection may be gone,
// which releases both anyway.
func (c *Conn) releaseSubscription(l *link, rules []Match, releaseManager bool) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.DialTimeout)
	defer cancel()

	if l != nil {
		removeEach(ctx, l, rules)
	}
	if releaseManager {
		c.mgr.release(ctx, c)
	}
}

// goBackground runs f in a goroutine that Close waits for. It returns false,
// without running f, once the Conn is closed.
func (c *Conn) goBackground(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.goBackgroundLocked(f)
}

// goBackgroundLocked is goBackground with c.mu held.
func (c *Conn) goBackgroundLocked(f func()) bool {
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// Mark queues an event carrying v behind the signals received so far. It
// tells the reader when it has handled every signal that arrived before a
// reply: godbus hands signals to subscriptions as it reads them, in order,
// so a signal whose sequence number is below a reply's is queued before the
// caller gets that reply, and before a Mark made after it. v must not be
// nil. After Close, Mark does nothing.
func (s *Subscription) Mark(v any) {
	select {
	case <-s.done:
	default:
		s.push(Event{Mark: v})
	}
}

// push queues e without blocking. Called with Conn.mu held.
func (s *Subscription) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()

	select {
	case s.more <- struct{}{}:
	default:
	}
}

// pump moves queued events to the Events channel until stop or the Conn's
// Close.
func (s *Subscription) pump() {
	defer close(s.events)

	for {
		select {
		case <-s.more:
		case <-s.done:
			return
		case <-s.c.ctx.Done():
			return
		}

		for _, e := range s.take() {
			select {
			case s.events <- e:
			case <-s.done:
				return
			case <-s.c.ctx.Done():
				return
			}
		}
	}
}

// take empties the queue and returns what it held.
func (s *Subscription) take() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()

	q := s.queue
	s.queue = nil
	return q
}

// stop ends the pump; Events gets closed.
func (s *Subscription) stop() {
	s.stopOnce.Do(func() { close(s.done) })
}
