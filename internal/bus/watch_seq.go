package bus

import (
	"context"
	"maps"

	"github.com/godbus/dbus/v5"
)

// QuerySequenced is Query that also returns the sequence number godbus gave
// the reply as it arrived. Signals carry the same kind of number
// (dbus.Signal.Sequence), and godbus numbers replies and signals in the order
// it reads them, so a signal whose number is below the reply's was sent by
// systemd before it answered: the answer already reflects it.
//
// The numbers restart with each new D-Bus connection. Compare them only
// between Resets of a subscription: a Reconnected Reset starts a new count.
// The sequence is dbus.NoSequence when no reply arrived.
func (c *Conn) QuerySequenced(ctx context.Context, path dbus.ObjectPath, iface, method string,
	args ...any,
) (*Reply, dbus.Sequence) {
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return &Reply{Err: err}, dbus.NoSequence
	}

	for {
		l, epoch, err := c.usable(ctx)
		if err != nil {
			return &Reply{Err: err}, dbus.NoSequence
		}

		body, seq, err := sendSequenced(ctx, l, msg)
		if err == nil {
			return &Reply{Body: body}, seq
		}

		lost := c.changedSince(epoch) || linkFailed(l, err)
		if !lost || ctx.Err() != nil {
			return &Reply{Err: translate(err, lost)}, seq
		}
	}
}

// sendSequenced is send that also returns the reply's sequence number.
func sendSequenced(ctx context.Context, l *link, msg *dbus.Message,
) ([]any, dbus.Sequence, error) {
	m := *msg
	m.Headers = maps.Clone(msg.Headers)
	call := l.conn.SendWithContext(ctx, &m, make(chan *dbus.Call, 1))

	<-call.Done
	if call.Err != nil && ctx.Err() != nil && !isReply(call.Err) {
		return nil, dbus.NoSequence, ctx.Err()
	}
	return call.Body, call.ResponseSequence, call.Err
}
