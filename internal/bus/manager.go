package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gostemd/gostemd"
)

// managerSubscription keeps systemd's Manager.Subscribe in effect while any
// subscription asks for it. systemd counts one subscription per client, so
// the Conn calls Subscribe once per link and owner of systemd's name, and
// Unsubscribe when the last subscription that wanted it is closed.
type managerSubscription struct {
	// mu serialises the calls to Subscribe and Unsubscribe with the state
	// below, so the two never cross.
	mu    sync.Mutex
	users int
	on    *link  // where Subscribe is in effect, nil if nowhere
	owner string // the owner of systemd's name when it was called
}

// acquire counts one more user and makes sure Subscribe is in effect on the
// current link.
func (m *managerSubscription) acquire(ctx context.Context, c *Conn) error {
	m.mu.Lock()
	m.users++
	m.mu.Unlock()

	for {
		l, epoch, err := c.usable(ctx)
		if err != nil {
			m.release(ctx, c)
			return err
		}

		err = m.renew(ctx, c, l)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || (!c.changedSince(epoch) && l.conn.Connected()) {
			m.release(ctx, c)
			return err
		}
	}
}

// renew calls Subscribe on l unless it is already in effect there for the
// current owner of systemd's name, or nobody wants it.
func (m *managerSubscription) renew(ctx context.Context, c *Conn, l *link) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	owner := c.ownerOf(l)
	if m.users == 0 || (m.on == l && m.owner == owner) {
		return nil
	}

	err := c.callOn(ctx, l, ManagerPath, ManagerInterface, Subscribe)
	if err != nil && !errors.Is(err, gostemd.ErrAlreadySubscribed) {
		return fmt.Errorf("subscribe to systemd's signals: %w", err)
	}
	m.on, m.owner = l, owner
	return nil
}

// release counts one user less and calls Unsubscribe after the last one.
// Errors are ignored: a lost connection unsubscribes as well.
func (m *managerSubscription) release(ctx context.Context, c *Conn) {
	m.mu.Lock()
	defer m.mu.Unlock()

	m.users--
	if m.users > 0 || m.on == nil {
		return
	}

	l := m.on
	m.on, m.owner = nil, ""
	_ = c.callOn(ctx, l, ManagerPath, ManagerInterface, Unsubscribe)
}

// ownerOf returns the owner of systemd's name as l last saw it.
func (c *Conn) ownerOf(l *link) string {
	c.mu.Lock()
	defer c.mu.Unlock()

	return l.owner
}
