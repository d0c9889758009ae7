package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// SubscribeCall subscribes to the signals m selects, as Subscribe does, and
// makes a method call of systemd's, such as StartTransientUnit, sending the
// call right behind the match rule instead of after the bus daemon's reply
// to it. The daemon handles a connection's messages in order, so the rule
// is in place before systemd receives the call: no signal the call causes
// is missed, and the two cost one round trip instead of two.
//
// The call is made whether or not the rule could be added. When it could
// not, SubscribeCall returns a nil Subscription and the error, with the
// call's reply, which tells whether the call took effect. m must not ask
// for the manager subscription.
func (c *Conn) SubscribeCall(ctx context.Context, m Match, path dbus.ObjectPath,
	iface, method string, args ...any,
) (*Subscription, *Reply, error) {
	if err := m.validate(); err != nil {
		return nil, nil, fmt.Errorf("subscribe: %w", err)
	}
	if m.ManagerSubscribe {
		return nil, nil, errors.New("subscribe: SubscribeCall cannot take the manager subscription")
	}
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return nil, nil, err
	}

	s, err := c.newSubscription(m)
	if err != nil {
		return nil, nil, err
	}
	l, epoch, needRule, err := c.enrollCurrent(ctx, s)
	if err != nil {
		s.shutdown(false)
		return nil, nil, fmt.Errorf("subscribe: %w", err)
	}

	if m.Via != nil {
		return c.sharedCall(ctx, s, l, msg, epoch)
	}

	var rule *dbus.Call
	if needRule {
		rule = l.conn.BusObject().GoWithContext(ctx, daemonInterface+".AddMatch", 0,
			make(chan *dbus.Call, 1), m.ruleString())
	}
	body, callErr := send(ctx, l, msg)
	reply := &Reply{Body: body}
	if callErr != nil {
		reply.Err = translate(callErr, c.changedSince(epoch) || linkFailed(l, callErr))
	}
	if rule == nil {
		return s, reply, nil
	}

	<-rule.Done
	if rule.Err != nil {
		linkFailed(l, rule.Err)
	}
	if done, err := c.ruleAdded(l, s, translate(rule.Err, false)); done && err != nil {
		s.shutdown(false)
		return nil, reply, fmt.Errorf("subscribe: %w", err)
	}
	return s, reply, nil
}

// enrollCurrent adds s to the Conn on the current usable link, and tells
// whether that link still needs s's match rule.
func (c *Conn) enrollCurrent(ctx context.Context, s *Subscription) (*link, uint64, bool, error) {
	for {
		l, epoch, err := c.usable(ctx)
		if err != nil {
			return nil, 0, false, err
		}
		if current, hasRule := c.enroll(l, s); current {
			return l, epoch, !hasRule && !l.peer, nil
		}
	}
}

// sharedCall is SubscribeCall for a subscription that relies on a shared
// rule (Match.Via): the rule is put in place first if it is not there yet,
// which it normally is, and the call follows.
func (c *Conn) sharedCall(ctx context.Context, s *Subscription, l *link, msg *dbus.Message,
	epoch uint64,
) (*Subscription, *Reply, error) {
	for {
		done, err := c.sharedAdded(ctx, l, s)
		if err != nil {
			s.shutdown(false)
			return nil, nil, fmt.Errorf("subscribe: %w", err)
		}
		if done {
			break
		}
		if l, epoch, _, err = c.enrollCurrent(ctx, s); err != nil {
			s.shutdown(false)
			return nil, nil, fmt.Errorf("subscribe: %w", err)
		}
	}

	body, err := send(ctx, l, msg)
	if err != nil {
		err = translate(err, c.changedSince(epoch) || linkFailed(l, err))
	}
	return s, &Reply{Body: body, Err: err}, nil
}
