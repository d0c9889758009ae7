package bus

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/godbus/dbus/v5"
	"github.com/gostemd/gostemd"
)

// Error is a D-Bus error reply whose name has a gostemd sentinel. It reads as
// systemd's own message ("Unit nope.service not loaded.") and unwraps to both
// the sentinel and the original reply, so errors.Is(err, gostemd.ErrNoSuchUnit)
// and errors.As(err, &dbusErr) (with dbusErr a dbus.Error) both work.
type Error struct {
	// Sentinel is the gostemd error for the reply's name.
	Sentinel *gostemd.Error

	// Reply is the error as godbus received it.
	Reply dbus.Error
}

// Error returns the message the peer sent, or the error name when the
// reply carried no message.
func (e *Error) Error() string {
	return e.Reply.Error()
}

// Unwrap returns the sentinel and the original reply.
func (e *Error) Unwrap() []error {
	return []error{e.Sentinel, e.Reply}
}

// translate gives an error from godbus the sentinel its D-Bus name has.
// When the error is no reply from the peer and lost is true (the connection
// is gone), it becomes gostemd.ErrDisconnected. Other errors pass unchanged.
func translate(err error, lost bool) error {
	if err == nil {
		return nil
	}

	if reply, ok := asReply(err); ok {
		if s := gostemd.LookupError(reply.Name); s != nil {
			return &Error{Sentinel: s, Reply: reply}
		}
		return err
	}

	if isContextError(err) {
		return err
	}
	if lost || isConnectionLoss(err) {
		return &disconnectedError{cause: err}
	}
	return err
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// asReply finds the D-Bus error reply in err. godbus returns dbus.Error
// values, but a pointer is accepted too.
func asReply(err error) (dbus.Error, bool) {
	var reply dbus.Error
	if errors.As(err, &reply) {
		return reply, true
	}

	var ptr *dbus.Error
	if errors.As(err, &ptr) && ptr != nil {
		return *ptr, true
	}
	return dbus.Error{}, false
}

// isConnectionLoss tells whether err means the connection went away, as
// opposed to a reply from the peer.
func isConnectionLoss(err error) bool {
	return errors.Is(err, dbus.ErrClosed) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// disconnectedError is a call that was lost with its connection.
type disconnectedError struct {
	cause error
}

func (e *disconnectedError) Error() string {
	return "connection lost: " + e.cause.Error()
}

func (e *disconnectedError) Unwrap() []error {
	return []error{gostemd.ErrDisconnected, e.cause}
}

// Lost tells whether a call failed because the connection to systemd did,
// or systemd did not answer: the call may or may not have taken effect.
func Lost(err error) bool {
	return errors.Is(err, gostemd.ErrDisconnected) || errors.Is(err, gostemd.ErrNoReply)
}
