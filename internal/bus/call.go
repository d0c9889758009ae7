package bus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"

	"github.com/godbus/dbus/v5"
)

// Reply is the outcome of a method call.
type Reply struct {
	// Body holds the values the method returned, as godbus decoded them.
	Body []any

	// Err is the call's error. Errors systemd or the bus daemon reported by
	// a known name satisfy errors.Is with the gostemd sentinel and
	// errors.As with a dbus.Error; a call lost with its connection
	// satisfies errors.Is(err, gostemd.ErrDisconnected).
	Err error
}

// Store copies the reply's values into the pointers in dst, one per value,
// with the same strict type rules as Decode. It returns Err if the call
// failed.
func (r *Reply) Store(dst ...any) error {
	if r.Err != nil {
		return r.Err
	}
	if len(dst) != len(r.Body) {
		return fmt.Errorf("store reply: it has %d values, not %d", len(r.Body), len(dst))
	}

	for i, d := range dst {
		v := reflect.ValueOf(d)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return fmt.Errorf("store reply value %d into %T: want a non-nil pointer", i, d)
		}
		if !assign(v.Elem(), r.Body[i]) {
			return fmt.Errorf("store reply value %d: %T does not fit %s", i, r.Body[i], v.Elem().Type())
		}
	}
	return nil
}

// Call calls a method of systemd's object at path and waits for the reply.
//
// While the Conn is reconnecting, Call waits for the new connection or for
// ctx. Call never sends a method twice: if the connection drops before the
// reply arrives, the error satisfies errors.Is(err, gostemd.ErrDisconnected)
// (on a bus, gostemd.ErrNoReply when systemd left the bus instead, as on
// daemon-reexec), and whether the method ran is unknown. Use Query for
// methods that only read.
func (c *Conn) Call(ctx context.Context, path dbus.ObjectPath, iface, method string,
	args ...any,
) *Reply {
	return c.call(ctx, false, path, iface, method, args)
}

// Query is Call for methods that change nothing, such as GetUnit, ListUnits
// or Properties.Get: if the connection drops, or systemd's name changes
// owner (daemon-reexec), before the reply arrives, Query sends the method
// again once systemd is back, until ctx ends.
func (c *Conn) Query(ctx context.Context, path dbus.ObjectPath, iface, method string,
	args ...any,
) *Reply {
	return c.call(ctx, true, path, iface, method, args)
}

func (c *Conn) call(ctx context.Context, retry bool, path dbus.ObjectPath, iface, method string,
	args []any,
) *Reply {
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return &Reply{Err: err}
	}

	for {
		l, epoch, err := c.usable(ctx)
		if err != nil {
			return &Reply{Err: err}
		}

		body, err := send(ctx, l, msg)
		if err == nil {
			return &Reply{Body: body}
		}

		lost := c.changedSince(epoch) || linkFailed(l, err)
		if !retry || !lost || ctx.Err() != nil {
			return &Reply{Err: translate(err, lost)}
		}
	}
}

// Pending is a method call sent without waiting for its reply, so that
// several calls can be on their way at once. systemd handles the calls of
// one connection in the order they were sent: a call sent after others
// runs after them.
type Pending struct {
	call *dbus.Call
	l    *link
	err  error
	seq  dbus.Sequence // set by Reply
}

// Send sends a method call of systemd's object at path and returns at once;
// Reply waits for the answer. Like Call, it never sends a method twice.
func (c *Conn) Send(ctx context.Context, path dbus.ObjectPath, iface, method string,
	args ...any,
) *Pending {
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return &Pending{err: err}
	}

	l, _, err := c.usable(ctx)
	if err != nil {
		return &Pending{err: err}
	}
	return &Pending{call: l.conn.SendWithContext(ctx, msg, make(chan *dbus.Call, 1)), l: l}
}

// SendNoReply sends a method call of systemd's object at path and asks for
// no reply: systemd makes it in its turn among the calls of the connection,
// and whether it succeeds is not known. It returns once the call is sent.
// Like Call, it never sends a method twice.
func (c *Conn) SendNoReply(ctx context.Context, path dbus.ObjectPath, iface, method string,
	args ...any,
) error {
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return err
	}
	msg.Flags |= dbus.FlagNoReplyExpected

	l, _, err := c.usable(ctx)
	if err != nil {
		return err
	}
	call := l.conn.SendWithContext(ctx, msg, make(chan *dbus.Call, 1))
	<-call.Done
	return translate(call.Err, call.Err != nil && linkFailed(l, call.Err))
}

// Reply waits for the call's reply. godbus ends every call it sent: with
// its reply, with the context's error, or with the connection's.
func (p *Pending) Reply() *Reply {
	if p.err != nil {
		return &Reply{Err: p.err}
	}

	<-p.call.Done
	p.seq = p.call.ResponseSequence
	if p.call.Err != nil {
		return &Reply{Err: translate(p.call.Err, linkFailed(p.l, p.call.Err))}
	}
	return &Reply{Body: p.call.Body}
}

// Sequence is the number godbus gave the reply as it arrived, as
// QuerySequenced returns it. It is known once Reply has returned, and is
// dbus.NoSequence until then, or when no reply came.
func (p *Pending) Sequence() dbus.Sequence {
	return p.seq
}

// linkFailed tells whether err, returned by a call on l, means that l's
// connection is gone. godbus closes a connection before it fails the calls
// pending on it, but a failed write leaves it open: linkFailed closes it then,
// so that the supervisor redials at once.
func linkFailed(l *link, err error) bool {
	if isReply(err) || !isConnectionLoss(err) {
		return !l.conn.Connected()
	}

	l.conn.Close()
	return true
}

// callOn calls a method on one particular link, without waiting or retrying.
func (c *Conn) callOn(ctx context.Context, l *link, path dbus.ObjectPath, iface, method string,
	args ...any,
) error {
	msg, err := c.newCall(path, iface, method, args)
	if err != nil {
		return err
	}

	_, err = send(ctx, l, msg)
	if err != nil {
		return translate(err, linkFailed(l, err))
	}
	return nil
}

// newCall builds a method call to systemd. godbus panics on arguments it
// cannot encode; newCall returns an error instead.
func (c *Conn) newCall(path dbus.ObjectPath, iface, method string,
	args []any,
) (*dbus.Message, error) {
	if !path.IsValid() {
		return nil, fmt.Errorf("call %s.%s: invalid object path %q", iface, method, path)
	}

	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldDestination: dbus.MakeVariant(Service),
			dbus.FieldPath:        dbus.MakeVariant(path),
			dbus.FieldInterface:   dbus.MakeVariant(iface),
			dbus.FieldMember:      dbus.MakeVariant(method),
		},
		Body: args,
	}
	if c.opts.InteractiveAuthorization {
		msg.Flags |= dbus.FlagAllowInteractiveAuthorization
	}

	if len(args) > 0 {
		sig, err := signatureOf(args)
		if err != nil {
			return nil, fmt.Errorf("call %s.%s: %w", iface, method, err)
		}
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(sig)
	}
	return msg, nil
}

// signatureOf returns the D-Bus signature of args, or an error where godbus
// would panic (a nil, a channel, a func).
func signatureOf(args []any) (sig dbus.Signature, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("arguments have no D-Bus type: %v", r)
		}
	}()

	return dbus.SignatureOf(args...), nil
}

// send sends a copy of msg on l and waits for the reply. godbus finishes
// every call it tracks: with the reply, with ctx's error, or with the
// connection's error when the connection closes.
func send(ctx context.Context, l *link, msg *dbus.Message) ([]any, error) {
	m := *msg
	m.Headers = maps.Clone(msg.Headers)
	call := l.conn.SendWithContext(ctx, &m, make(chan *dbus.Call, 1))

	<-call.Done
	if call.Err != nil && ctx.Err() != nil && !isReply(call.Err) {
		return nil, ctx.Err()
	}
	return call.Body, call.Err
}

func isReply(err error) bool {
	_, ok := asReply(err)
	return ok
}

// Get reads one property of an object. It is retried like Query.
func (c *Conn) Get(ctx context.Context, path dbus.ObjectPath, iface, property string,
) (dbus.Variant, error) {
	var v dbus.Variant
	err := c.Query(ctx, path, PropertiesInterface, "Get", iface, property).Store(&v)
	if err != nil {
		return dbus.Variant{}, fmt.Errorf("get property %s of %s: %w", property, path, err)
	}
	return v, nil
}

// GetAll reads every property of one interface of an object in one call. It
// is retried like Query.
func (c *Conn) GetAll(ctx context.Context, path dbus.ObjectPath, iface string,
) (map[string]dbus.Variant, error) {
	var props map[string]dbus.Variant
	err := c.Query(ctx, path, PropertiesInterface, "GetAll", iface).Store(&props)
	if err != nil {
		return nil, fmt.Errorf("get %s properties of %s: %w", iface, path, err)
	}
	return props, nil
}

// ReadProperties reads one interface's properties with GetAll and fills dst
// with Decode. It returns the tagged properties the object lacks.
func (c *Conn) ReadProperties(ctx context.Context, path dbus.ObjectPath, iface string,
	dst any,
) (absent []string, err error) {
	props, err := c.GetAll(ctx, path, iface)
	if err != nil {
		return nil, err
	}

	absent, err = Decode(props, dst)
	if err != nil {
		return absent, fmt.Errorf("decode %s properties of %s: %w", iface, path, err)
	}
	return absent, nil
}

// Set changes one property of an object. Like Call, it is never retried.
func (c *Conn) Set(ctx context.Context, path dbus.ObjectPath, iface, property string,
	value any,
) error {
	v, ok := value.(dbus.Variant)
	if !ok {
		var err error
		if v, err = variantOf(value); err != nil {
			return fmt.Errorf("set property %s of %s: %w", property, path, err)
		}
	}

	err := c.Call(ctx, path, PropertiesInterface, "Set", iface, property, v).Err
	if err != nil {
		return fmt.Errorf("set property %s of %s: %w", property, path, err)
	}
	return nil
}

// variantOf wraps value in a variant, with an error where godbus would panic.
func variantOf(value any) (dbus.Variant, error) {
	if v, ok := makeVariant(value); ok {
		return v, nil
	}
	return dbus.Variant{}, errors.New("value has no D-Bus type")
}
