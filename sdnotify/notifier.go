package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNoSocket is returned when there is no notification socket to send to:
// NOTIFY_SOCKET is not set, so the process is not running as a systemd
// service that listens for notifications (Type=notify, a watchdog, a file
// descriptor store). Callers that also run outside systemd can ignore it.
var ErrNoSocket = errors.New("notify: NOTIFY_SOCKET is not set (not running under systemd notify)")

// Environment variables read by FromEnv.
const (
	envSocket      = "NOTIFY_SOCKET"
	envWatchdogSec = "WATCHDOG_USEC"
	envWatchdogPID = "WATCHDOG_PID"
)

// Options adjust how FromEnv reads the environment. A nil *Options means the
// defaults.
type Options struct {
	// UnsetEnv removes NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the
	// process environment once FromEnv has read them, so that child processes
	// do not inherit them and notify systemd in the service's name. The zero
	// value leaves the environment as it is.
	UnsetEnv bool
}

// A Notifier sends notifications to the service manager. It opens its socket
// on first use and keeps it until Close. It is safe for concurrent use. The
// zero Notifier has no socket, like New("").
type Notifier struct {
	addr    string
	addrErr error

	watchdog    time.Duration
	watchdogErr error

	mu   sync.Mutex
	fd   int
	open bool // fd is valid: from the first send until Close
	sa   unix.SockaddrUnix
	buf  []byte
	dups []int
}

// New returns a Notifier that sends to the socket at addr: a path, or @name
// for the abstract namespace, as in NOTIFY_SOCKET. An empty addr gives a
// Notifier whose calls return ErrNoSocket. New does no I/O; a malformed
// address is reported by the first send.
func New(addr string) *Notifier {
	n := &Notifier{addr: addr}
	n.sa.Name = addr
	n.addrErr = checkAddr(addr)
	return n
}

// FromEnv returns a Notifier for the socket named by NOTIFY_SOCKET, with the
// watchdog settings of WATCHDOG_USEC and WATCHDOG_PID. It does no I/O, and
// never fails: without NOTIFY_SOCKET its calls return ErrNoSocket, and a
// malformed variable is reported when it is used.
func FromEnv(opts *Options) *Notifier {
	n := fromLookup(os.LookupEnv, os.Getpid())

	if opts != nil && opts.UnsetEnv {
		// Unsetenv fails only for names containing '=' or NUL.
		_ = os.Unsetenv(envSocket)
		_ = os.Unsetenv(envWatchdogSec)
		_ = os.Unsetenv(envWatchdogPID)
	}
	return n
}

// fromLookup builds a Notifier from an environment read through lookup, for a
// process whose ID is pid.
func fromLookup(lookup func(string) (string, bool), pid int) *Notifier {
	addr, _ := lookup(envSocket)
	n := New(addr)
	n.watchdog, n.watchdogErr = parseWatchdog(lookup, pid)
	return n
}

// checkAddr accepts what systemd itself accepts for a unix socket address in
// NOTIFY_SOCKET: an absolute path or an abstract name.
func checkAddr(addr string) error {
	switch {
	case addr == "":
		return nil
	case addr[0] != '/' && addr[0] != '@':
		return fmt.Errorf("notify %s: not a socket path or @name"+
			" (AF_VSOCK addresses are not supported)", addr)
	case len(addr) >= len(unix.RawSockaddrUnix{}.Path):
		return fmt.Errorf("notify %s: socket address longer than 107 bytes", addr)
	}
	return nil
}

// Addr returns the socket address the Notifier sends to, empty when there is
// none.
func (n *Notifier) Addr() string {
	return n.addr
}

// Notify sends msgs to systemd in one datagram, so that systemd processes them
// together. Every message is checked before anything is sent: a malformed one
// yields a *FieldError and nothing is sent. Without a socket it returns
// ErrNoSocket, after the same checks, so mistakes show up outside systemd too.
//
// Sending blocks only while systemd's receive queue is full; ctx bounds that
// wait. Notify returns once the datagram is queued, not once systemd has
// processed it: use Barrier for that.
func (n *Notifier) Notify(ctx context.Context, msgs ...Message) error {
	if err := validate(msgs); err != nil {
		return err
	}
	if n.addr == "" {
		return ErrNoSocket
	}
	if n.addrErr != nil {
		return n.addrErr
	}
	if len(msgs) == 0 {
		return nil
	}

	n.mu.Lock()
	defer n.mu.Unlock()

	if err := n.encodeLocked(msgs); err != nil {
		return err
	}

	if err := n.dupConnsLocked(msgs); err != nil {
		return err
	}
	defer n.closeDupsLocked()

	return n.sendLocked(ctx, n.buf, n.dups)
}

// encodeLocked writes msgs into n.buf, which is reused from call to call so
// that sending allocates nothing.
func (n *Notifier) encodeLocked(msgs []Message) error {
	n.buf = n.buf[:0]
	for i := range msgs {
		if i > 0 {
			n.buf = append(n.buf, '\n')
		}
		n.buf = msgs[i].appendTo(n.buf)
	}

	if len(n.buf) > maxDatagram {
		return fmt.Errorf("notify %s: message is %d bytes, more than the %d systemd reads",
			n.addr, len(n.buf), maxDatagram)
	}
	return nil
}

// Close releases the Notifier's socket. A Notifier may be used again after
// Close: it then opens a new socket.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()

	return n.closeLocked()
}

// Notify sends msgs to the socket named by NOTIFY_SOCKET, as
// FromEnv(nil).Notify does, and closes the socket again. A program that sends
// often should keep a Notifier instead.
func Notify(ctx context.Context, msgs ...Message) error {
	n := FromEnv(nil)
	defer n.Close()

	return n.Notify(ctx, msgs...)
}
