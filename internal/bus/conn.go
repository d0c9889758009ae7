package bus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/gostemd/gostemd"
)

// PrivateAddress is systemd's private socket: a direct connection to the
// system manager, without a bus daemon. Only root may connect. Dial it with
// Options.Peer set.
const PrivateAddress = "unix:path=/run/systemd/private"

// defaultSystemBusPath is where the system bus listens unless
// $DBUS_SYSTEM_BUS_ADDRESS says otherwise.
const defaultSystemBusPath = "/run/dbus/system_bus_socket"

// ErrClosed is returned by calls on a Conn after Close. It is the root
// package's sentinel, so callers of every public package can test for it.
var ErrClosed = gostemd.ErrClosed

// SystemBusAddress returns the system bus's address:
// $DBUS_SYSTEM_BUS_ADDRESS, else unix:path=/run/dbus/system_bus_socket.
func SystemBusAddress() string {
	if addr := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); addr != "" {
		return addr
	}
	return "unix:path=" + defaultSystemBusPath
}

// UserBusAddress returns the address of the calling user's bus, where the
// user's service manager answers: $DBUS_SESSION_BUS_ADDRESS, else the socket
// "bus" in $XDG_RUNTIME_DIR.
func UserBusAddress() (string, error) {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		return addr, nil
	}

	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return "", errors.New(
			"find the user bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set")
	}
	return "unix:path=" + dbus.EscapeBusAddressValue(dir+"/bus"), nil
}

// Options configure Dial. A nil *Options, like the zero value, connects to
// the system bus with the default reconnection delays.
type Options struct {
	// Address is the D-Bus address to dial, such as
	// "unix:path=/run/user/1000/bus" (see UserBusAddress) or PrivateAddress.
	// Empty means the system bus (see SystemBusAddress).
	Address string

	// Peer says that Address leads to systemd itself rather than to a bus
	// daemon, as PrivateAddress does: there is no Hello, no match rules and
	// no bus names, and signals arrive without a sender. False, the
	// default, means a bus.
	Peer bool

	// InteractiveAuthorization lets polkit ask the user to authenticate
	// during a call, for callers that are not privileged enough and sit at
	// a terminal. False, the default, makes such calls fail with
	// gostemd.ErrInteractiveAuthorizationRequired instead.
	InteractiveAuthorization bool

	// ReconnectMin and ReconnectMax bound the delay between attempts to
	// redial a lost connection; the delay doubles after each failure. Zero
	// means 50ms and 5s.
	ReconnectMin, ReconnectMax time.Duration

	// DialTimeout bounds each redial attempt, authentication and setup
	// included. Zero means 10s. The first dial is bounded by Dial's ctx
	// instead.
	DialTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var opts Options
	if o != nil {
		opts = *o
	}

	if opts.Address == "" {
		opts.Address = SystemBusAddress()
	}
	if opts.ReconnectMin <= 0 {
		opts.ReconnectMin = 50 * time.Millisecond
	}
	if opts.ReconnectMax <= 0 {
		opts.ReconnectMax = 5 * time.Second
	}
	opts.ReconnectMax = max(opts.ReconnectMax, opts.ReconnectMin)
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	return opts
}

// Conn is a connection to a systemd manager that survives the loss of its
// underlying D-Bus connection. It is safe for concurrent use.
//
// When the connection drops (systemd's private socket closes on
// daemon-reexec, the bus daemon restarts), Conn redials with backoff until
// Close. Calls made meanwhile wait for the new connection or for their ctx.
// Every subscription sees a Reset event once the new connection is set up,
// and also when another process takes over systemd's name on the bus (which
// daemon-reexec does while the bus connection stays up).
type Conn struct {
	opts Options

	// ctx ends when Close is called; it bounds every background goroutine.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the fields below it and every link's mutable fields.
	mu      sync.Mutex
	link    *link         // the usable connection, nil while reconnecting
	changed chan struct{} // closed and replaced when link or owner changes
	epoch   uint64        // counts those changes
	subs    map[*Subscription]struct{}
	shared  sharedRules
	closed  bool

	// wake tells the supervisor that systemd's owner on the bus changed.
	wake chan struct{}

	mgr managerSubscription
}

// Dial connects to a systemd manager. It returns once the connection is
// authenticated and systemd answers or, on a bus, once it knows which
// connection owns org.freedesktop.systemd1; where nobody does, Dial fails
// with gostemd.ErrNameHasNoOwner. The caller must Close the Conn.
func Dial(ctx context.Context, opts *Options) (*Conn, error) {
	c := newConn(opts)

	l, err := c.connect(ctx)
	if err != nil {
		c.cancel()
		return nil, fmt.Errorf("connect to %s: %w", c.opts.Address, err)
	}

	if !c.publishFirst(l) {
		l.conn.Close()
		c.cancel()
		return nil, fmt.Errorf("connect to %s: no systemd on this bus: %w",
			c.opts.Address, gostemd.ErrNameHasNoOwner)
	}

	c.wg.Add(1)
	go c.supervise(l)
	return c, nil
}

// publishFirst publishes the first link, which needs no Reset, provided
// systemd is there to answer.
func (c *Conn) publishFirst(l *link) bool {
	c.mu.Lock()
	defer c.mu.Unlock()

	if !l.peer && l.owner == "" {
		return false
	}
	l.served, l.servedOwner = true, l.owner
	c.link = l
	c.changedLocked()
	return true
}

func newConn(opts *Options) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &Conn{
		opts:    opts.withDefaults(),
		ctx:     ctx,
		cancel:  cancel,
		changed: make(chan struct{}),
		subs:    make(map[*Subscription]struct{}),
		shared:  newSharedRules(),
		wake:    make(chan struct{}, 1),
	}
}

// Peer tells whether the connection leads to systemd directly (Options.Peer)
// rather than through a bus. Features that need bus names, such as a unit's
// AddRef, do not work on a peer connection.
func (c *Conn) Peer() bool {
	return c.opts.Peer
}

// Address returns the D-Bus address the Conn dials.
func (c *Conn) Address() string {
	return c.opts.Address
}

// Close ends every subscription, closes the connection and stops
// reconnecting. It waits for the Conn's goroutines to finish.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	l, subs := c.link, c.subs
	c.link, c.subs = nil, nil
	c.changedLocked()
	c.mu.Unlock()

	c.cancel()
	for s := range subs {
		s.stop()
	}

	var err error
	if l != nil {
		err = l.conn.Close()
	}
	c.wg.Wait()
	return err
}

// changedLocked wakes everyone waiting for the link or owner to change.
// c.mu must be held.
func (c *Conn) changedLocked() {
	c.epoch++
	close(c.changed)
	c.changed = make(chan struct{})
}

// usableLocked returns the link calls may use now, or nil. c.mu must be
// held. A link whose connection just closed is not usable even before the
// supervisor drops it.
func (c *Conn) usableLocked() *link {
	l := c.link
	if l == nil || !l.conn.Connected() || (!l.peer && l.owner == "") {
		return nil
	}
	return l
}

// usable waits until a link is usable and returns it with the epoch at that
// moment.
func (c *Conn) usable(ctx context.Context) (*link, uint64, error) {
	for {
		c.mu.Lock()
		l, epoch, changed, closed := c.usableLocked(), c.epoch, c.changed, c.closed
		c.mu.Unlock()

		switch {
		case closed:
			return nil, 0, ErrClosed
		case l != nil:
			return l, epoch, nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("wait for the connection to systemd: %w", ctx.Err())
		}
	}
}

// changedSince tells whether the link or owner changed after epoch.
func (c *Conn) changedSince(epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.epoch != epoch
}
