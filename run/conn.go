package run

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/manager"
)

// Conn is a connection to a systemd manager that many Cmds can share, so that
// each of them does not dial its own. It is safe for concurrent use and
// reconnects by itself, as manager.Manager does. Unlike a Manager given in
// Cmd.Manager, it lets its Cmds have no more than 32 calls waiting for a
// reply at a time, so it suits hundreds of Cmds started at once.
type Conn struct {
	bus   *bus.Conn
	calls *gate
}

// maxCalls bounds the calls that the Cmds sharing a Conn have waiting for a
// reply at any time. The system bus refuses more than 128 per connection
// (max_replies_per_connection in dbus-daemon's system.conf), and the
// subscriptions' own calls need room too.
//
// NB: the bound belongs in internal/bus, where every call of a connection
// passes; until it moves there, only the calls of Cmds on a Conn keep to it.
const maxCalls = 32

// gate bounds how many calls wait for a reply at once; a nil gate does not.
// A caller may take several slots for calls it sends together.
type gate struct {
	slots chan struct{}

	// turn is held by the one caller gathering its slots, so that two
	// callers never each hold a part of what they need and wait for the
	// rest forever.
	turn chan struct{}
}

func newGate(n int) *gate {
	return &gate{slots: make(chan struct{}, n), turn: make(chan struct{}, 1)}
}

// do runs call, which makes one call, in a slot of its own.
func (g *gate) do(ctx context.Context, call func() error) error {
	return g.doN(ctx, 1, call)
}

// doN runs call, which has up to n calls waiting at once, in n slots.
func (g *gate) doN(ctx context.Context, n int, call func() error) error {
	if g == nil {
		return call()
	}

	if err := g.acquire(ctx, n); err != nil {
		return err
	}
	defer g.release(n)
	return call()
}

func (g *gate) acquire(ctx context.Context, n int) error {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()

	for i := range n {
		select {
		case g.slots <- struct{}{}:
		case <-ctx.Done():
			g.release(i)
			return ctx.Err()
		}
	}
	return nil
}

func (g *gate) release(n int) {
	for range n {
		<-g.slots
	}
}

// Connect connects to the manager opts chooses, read as manager.Connect
// reads it: nil means the system manager for root and the caller's own
// manager for everyone else. The private socket (opts.Private, or an Address
// with Peer set) is refused: a Cmd holds its unit with a reference that only
// a bus connection can take. The caller must Close the Conn.
func Connect(ctx context.Context, opts *manager.Options) (*Conn, error) {
	b, err := busOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("run: connect to systemd: %w", err)
	}

	c, err := dial(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("run: connect to systemd: %w", err)
	}
	return c, nil
}

func dial(ctx context.Context, b *bus.Options) (*Conn, error) {
	conn, err := bus.Dial(ctx, b)
	if err != nil {
		return nil, err
	}
	return &Conn{bus: conn, calls: newGate(maxCalls)}, nil
}

// defaults holds the default connections, by bus address.
var defaults struct {
	sync.Mutex
	conns map[string]*Conn
}

// defaultConn returns the default connection for the caller, dialling it
// the first time. A failed dial is not kept: the next Cmd dials again.
func defaultConn(ctx context.Context) (*Conn, error) {
	b, err := busOptions(nil)
	if err != nil {
		return nil, err
	}

	defaults.Lock()
	defer defaults.Unlock()

	if c := defaults.conns[b.Address]; c != nil {
		return c, nil
	}
	c, err := dial(ctx, b)
	if err != nil {
		return nil, err
	}
	if defaults.conns == nil {
		defaults.conns = make(map[string]*Conn)
	}
	defaults.conns[b.Address] = c
	return c, nil
}

// Close closes the connection. The Waits of Cmds still running on it fail;
// their units run on, no longer held by a reference, and systemd unloads
// them when they stop.
func (c *Conn) Close() error {
	return c.bus.Close()
}

// busOptions picks the address the way manager.Options documents it.
func busOptions(o *manager.Options) (*bus.Options, error) {
	var opts manager.Options
	if o != nil {
		opts = *o
	}
	if opts.Private || (opts.Address != "" && opts.Peer) {
		return nil, errPeer
	}

	b := &bus.Options{Address: opts.Address, InteractiveAuthorization: opts.InteractiveAuthorization}
	switch {
	case b.Address != "":
	case opts.Scope == manager.User || (opts.Scope == manager.Default && os.Geteuid() != 0):
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
