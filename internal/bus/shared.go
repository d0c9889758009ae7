package bus

import (
	"context"
	"errors"
	"time"
)

// shareLinger is how long a shared rule stays on the bus after the last
// subscription that relies on it closed, so that subscriptions made one
// after the other, such as one per unit run in turn, share it too.
const shareLinger = 2 * time.Second

// sharedRules tracks the rules that subscriptions with Match.Via share.
// Its fields are guarded by Conn.mu.
type sharedRules struct {
	refs   map[Match]int           // subscriptions relying on each rule
	idle   map[Match]time.Time     // when refs last fell to 0
	adding map[Match]chan struct{} // closed when an AddMatch in flight ends
}

func newSharedRules() sharedRules {
	return sharedRules{
		refs:   make(map[Match]int),
		idle:   make(map[Match]time.Time),
		adding: make(map[Match]chan struct{}),
	}
}

// enrollSharedLocked counts a new subscription relying on its Via rule. Called
// with c.mu held.
func (c *Conn) enrollSharedLocked(s *Subscription) {
	if s.match.Via != nil {
		c.shared.refs[*s.match.Via]++
	}
}

// unregisterSharedLocked uncounts a subscription closed, and schedules the
// removal of its Via rule once nobody relies on it. Called with c.mu held.
func (c *Conn) unregisterSharedLocked(s *Subscription) {
	if s.match.Via == nil {
		return
	}
	v := *s.match.Via
	if c.shared.refs[v]--; c.shared.refs[v] > 0 {
		return
	}
	c.lingerLocked(v)
}

// lingerLocked marks the rule v as unused from now on, and has it removed
// after shareLinger unless a subscription takes it meanwhile. Called with
// c.mu held.
func (c *Conn) lingerLocked(v Match) {
	c.shared.idle[v] = time.Now()
	time.AfterFunc(shareLinger, func() { c.dropShared(v) })
}

// dropShared removes the rule v from the current link if nobody relied on
// it for shareLinger.
func (c *Conn) dropShared(v Match) {
	c.mu.Lock()
	defer c.mu.Unlock()

	l := c.link
	if c.closed || c.shared.refs[v] > 0 || time.Since(c.shared.idle[v]) < shareLinger {
		return
	}
	delete(c.shared.refs, v)
	delete(c.shared.idle, v)
	if l == nil || !l.shared[v] {
		return
	}
	delete(l.shared, v)
	c.goBackgroundLocked(func() { c.releaseSubscription(l, []Match{v}, false) })
}

// ensureShared makes sure that l has the rule v, adding it unless it is
// there or on its way. It returns errLinkChanged when l stopped being the
// current link meanwhile: the supervisor adds the rule to the next one.
func (c *Conn) ensureShared(ctx context.Context, l *link, v Match) error {
	for {
		c.mu.Lock()
		switch {
		case c.link != l:
			c.mu.Unlock()
			return errLinkChanged
		case l.peer || l.shared[v]:
			c.mu.Unlock()
			return nil
		}
		if wait := c.shared.adding[v]; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		done := make(chan struct{})
		c.shared.adding[v] = done
		c.mu.Unlock()

		err := addRule(ctx, l, v)
		if err != nil {
			linkFailed(l, err)
		}

		c.mu.Lock()
		delete(c.shared.adding, v)
		close(done)
		if err == nil && c.link == l {
			l.shared[v] = true
			if c.shared.refs[v] == 0 {
				c.lingerLocked(v) // its subscription closed meanwhile
			}
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// sharedInUseLocked returns the Via rules that subscriptions rely on, for a new
// link. Called with c.mu held.
func (c *Conn) sharedInUseLocked() []Match {
	var vs []Match
	for v, n := range c.shared.refs {
		if n > 0 {
			vs = append(vs, v)
		}
	}
	return vs
}

// errLinkChanged says that the link in use was replaced meanwhile.
var errLinkChanged = errors.New("connection replaced")
