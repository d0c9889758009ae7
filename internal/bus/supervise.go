package bus

import (
	"context"
	"time"
)

// supervise keeps the Conn connected until Close: it redials when the link
// drops and tells subscribers when the link or systemd's owner changed.
func (c *Conn) supervise(l *link) {
	defer c.wg.Done()

	for {
		select {
		case <-c.ctx.Done():
			return

		case <-c.wake:
			c.serve(l)

		case <-l.conn.Context().Done():
			c.drop(l)
			if l = c.reconnect(); l == nil {
				return
			}
			c.serve(l)
		}
	}
}

// drop forgets a link whose connection is gone; calls wait from now on.
func (c *Conn) drop(l *link) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.link == l {
		c.link = nil
		c.changedLocked()
	}
}

// reconnect dials until it has a new link with every subscription's match
// rule on it, and publishes it. It returns nil once the Conn is closed.
func (c *Conn) reconnect() *link {
	delay := c.opts.ReconnectMin
	for {
		if l := c.redial(); l != nil {
			return l
		}

		select {
		case <-c.ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, c.opts.ReconnectMax)
	}
}

// redial makes one attempt at a new link.
func (c *Conn) redial() *link {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.DialTimeout)
	defer cancel()

	l, err := c.connect(ctx)
	if err != nil {
		return nil
	}

	added, shared, err := c.addRules(ctx, l)
	if err != nil {
		l.conn.Close()
		return nil
	}

	stale, staleShared, ok := c.publishWithRules(l, added, shared)
	if !ok {
		return nil
	}
	c.removeRules(ctx, l, stale, staleShared)
	return l
}

// addRules adds the match rule of every current subscription to a new link,
// and each shared rule (Match.Via) in use once.
func (c *Conn) addRules(ctx context.Context, l *link) ([]*Subscription, []Match, error) {
	if l.peer {
		return nil, nil, nil
	}

	c.mu.Lock()
	subs := make([]*Subscription, 0, len(c.subs))
	for s := range c.subs {
		if len(s.rules) > 0 {
			subs = append(subs, s)
		}
	}
	shared := c.sharedInUseLocked()
	c.mu.Unlock()

	for _, s := range subs {
		if err := addEach(ctx, l, s.rules); err != nil {
			return nil, nil, err
		}
	}
	for _, v := range shared {
		if err := addRule(ctx, l, v); err != nil {
			return nil, nil, err
		}
	}
	return subs, shared, nil
}

// publishWithRules records which subscriptions have their rule on l and
// publishes l, in one step, so no subscription can come or go in between.
// It returns the subscriptions closed while their rule was being added, and
// the shared rules nobody relies on any more.
func (c *Conn) publishWithRules(l *link, added []*Subscription, shared []Match,
) ([]*Subscription, []Match, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		l.conn.Close()
		return nil, nil, false
	}

	var staleShared []Match
	for _, v := range shared {
		if c.shared.refs[v] > 0 {
			l.shared[v] = true
		} else {
			staleShared = append(staleShared, v)
		}
	}

	var stale []*Subscription
	for _, s := range added {
		if _, ok := c.subs[s]; ok {
			l.rules[s] = true
		} else {
			stale = append(stale, s)
		}
	}

	c.link = l
	c.changedLocked()
	return stale, staleShared, true
}

func (c *Conn) removeRules(ctx context.Context, l *link, subs []*Subscription, shared []Match) {
	removeEach(ctx, l, shared)
	for _, s := range subs {
		removeEach(ctx, l, s.rules)
	}
}

// serve renews the manager subscription on l and sends every subscriber a
// Reset, once per link and owner of systemd's name. It does nothing until l
// is usable (on a bus, until someone owns systemd's name).
func (c *Conn) serve(l *link) {
	c.mu.Lock()
	owner, served, ready := l.owner, l.served, c.usableLocked() == l
	done := served && l.servedOwner == owner
	c.mu.Unlock()

	if !ready || done {
		return
	}

	ctx, cancel := context.WithTimeout(c.ctx, c.opts.DialTimeout)
	defer cancel()
	// An error here leaves the manager subscription to be renewed by the
	// next Subscribe that asks for it; the Reset still tells subscribers to
	// re-read state.
	_ = c.mgr.renew(ctx, c, l)

	reason := Reconnected
	if served {
		reason = OwnerChanged
	}
	c.reset(l, owner, reason)
}

// reset sends a Reset to every subscriber, unless l or its owner changed
// meanwhile (a later serve will do it).
func (c *Conn) reset(l *link, owner string, reason ResetReason) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.link != l || l.owner != owner {
		return
	}

	l.served, l.servedOwner = true, owner
	for s := range c.subs {
		s.push(Event{Reset: reason})
	}
}
