package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/gostemd/gostemd"
)

// link is one D-Bus connection to systemd. A Conn replaces its link when the
// connection drops.
type link struct {
	conn *dbus.Conn
	peer bool

	// The fields below are guarded by Conn.mu.

	// owner is the unique name owning org.freedesktop.systemd1 on the bus,
	// empty while no one does. It stays empty on a peer connection.
	owner string

	// ownerSeq counts the owner changes seen through NameOwnerChanged.
	ownerSeq uint64

	// served is set once subscribers have been told about this link (a
	// Reset) and the manager subscription has been renewed on it, and
	// servedOwner is the owner at that moment.
	served      bool
	servedOwner string

	// rules holds the subscriptions whose match rule is on this connection.
	rules map[*Subscription]bool

	// shared holds the rules of Match.Via on this connection.
	shared map[Match]bool
}

// connect dials, authenticates and, on a bus, says Hello and learns who owns
// systemd's name. The link is not published yet.
func (c *Conn) connect(ctx context.Context) (*link, error) {
	l := &link{peer: c.opts.Peer, rules: make(map[*Subscription]bool), shared: make(map[Match]bool)}

	conn, err := dbus.Dial(c.opts.Address,
		dbus.WithSignalHandler(&signalHandler{c: c, l: l}),
		dbus.WithContext(c.ctx))
	if err != nil {
		return nil, err
	}
	l.conn = conn

	if err := c.handshake(ctx, l); err != nil {
		conn.Close()
		return nil, err
	}
	return l, nil
}

// handshake runs the steps of connect that talk to the peer. godbus's Auth
// and Hello take no context, so ctx closes the connection to end them.
func (c *Conn) handshake(ctx context.Context, l *link) error {
	stop := context.AfterFunc(ctx, func() { l.conn.Close() })
	defer stop()

	if err := l.conn.Auth(nil); err != nil {
		return contextOr(ctx, fmt.Errorf("authenticate: %w", err))
	}
	if l.peer {
		return contextOr(ctx, pingPeer(ctx, l.conn))
	}

	if err := l.conn.Hello(); err != nil {
		return contextOr(ctx, fmt.Errorf("say hello to the bus: %w", err))
	}
	return contextOr(ctx, c.watchOwner(ctx, l))
}

// pingPeer waits until systemd answers on a direct connection.
//
// NB: systemd's sd-bus (seen on 252) does not process a message that
// arrives in the same read as the end of authentication (BEGIN) until more
// data arrives on the connection, so a first call sent right after Auth may
// wait forever. pingPeer pings with growing pauses until one is answered;
// each new ping also wakes the stalled ones.
func pingPeer(ctx context.Context, conn *dbus.Conn) error {
	obj := conn.Object(Service, ManagerPath)
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		attempt, cancel := context.WithTimeout(ctx, pause)
		err := obj.CallWithContext(attempt, "org.freedesktop.DBus.Peer.Ping", 0).Err
		unanswered := errors.Is(attempt.Err(), context.DeadlineExceeded)
		cancel()

		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !unanswered:
			return fmt.Errorf("ping systemd: %w", translate(err, false))
		}
	}
}

// contextOr returns ctx's error when ctx has ended (it explains why the
// connection was closed under err), else err.
func contextOr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// watchOwner subscribes to changes of the owner of systemd's name, then asks
// for the current owner. A change that arrives while the question is in
// flight wins over the answer.
func (c *Conn) watchOwner(ctx context.Context, l *link) error {
	err := l.conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(daemonService),
		dbus.WithMatchInterface(daemonInterface),
		dbus.WithMatchMember(nameOwnerChanged),
		dbus.WithMatchArg(0, Service))
	if err != nil {
		return fmt.Errorf("watch the owner of %s: %w", Service, err)
	}

	c.mu.Lock()
	seq := l.ownerSeq
	c.mu.Unlock()

	owner, err := nameOwner(ctx, l.conn)
	if err != nil {
		return fmt.Errorf("get the owner of %s: %w", Service, err)
	}

	c.mu.Lock()
	if l.ownerSeq == seq {
		l.owner = owner
	}
	c.mu.Unlock()
	return nil
}

// nameOwner returns the unique name owning systemd's name, or "" when no one
// owns it.
func nameOwner(ctx context.Context, conn *dbus.Conn) (string, error) {
	var owner string
	err := conn.BusObject().CallWithContext(ctx, daemonInterface+".GetNameOwner", 0,
		Service).Store(&owner)

	if reply, ok := asReply(err); ok && reply.Name == gostemd.ErrNameHasNoOwner.Name() {
		return "", nil
	}
	return owner, translate(err, false)
}

// signalHandler receives every signal of one link from godbus's reader
// goroutine. It must not block.
type signalHandler struct {
	c *Conn
	l *link
}

// DeliverSignal implements dbus.SignalHandler.
func (h *signalHandler) DeliverSignal(iface, member string, sig *dbus.Signal) {
	h.c.deliver(h.l, iface, member, sig)
}

// deliver queues sig for every subscription that matches it, and tracks the
// owner of systemd's name. Queueing never blocks.
func (c *Conn) deliver(l *link, iface, member string, sig *dbus.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if owner, ok := ownerChange(l, iface, member, sig); ok {
		c.ownerChangedLocked(l, owner)
		return
	}
	if c.link != l || (!l.peer && (l.owner == "" || sig.Sender != l.owner)) {
		return
	}

	for s := range c.subs {
		if s.match.matches(iface, member, sig.Path) && (s.keep == nil || s.keep(iface, member, sig)) {
			s.push(Event{Signal: sig})
		}
	}
}

// ownerChange recognises the bus daemon's NameOwnerChanged signal for
// systemd's name and returns the new owner.
func ownerChange(l *link, iface, member string, sig *dbus.Signal) (string, bool) {
	if l.peer || sig.Sender != daemonService || iface != daemonInterface ||
		member != nameOwnerChanged || len(sig.Body) != 3 {
		return "", false
	}

	name, _ := sig.Body[0].(string)
	owner, ok := sig.Body[2].(string)
	return owner, ok && name == Service
}

// ownerChangedLocked records a new owner of systemd's name and wakes the
// supervisor. c.mu must be held.
func (c *Conn) ownerChangedLocked(l *link, owner string) {
	l.owner = owner
	l.ownerSeq++
	if c.link != l {
		return
	}

	c.changedLocked()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
