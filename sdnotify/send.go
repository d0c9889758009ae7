package sdnotify

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sendLocked sends one datagram with the descriptors fds attached. n.mu must
// be held.
//
// The socket is not handed to Go's network poller: that would cost
// allocations on every send, and a send waits only in the rare case that
// systemd's queue is full. Polling would not help then either, because an
// unconnected datagram socket reports itself writable whatever the state of
// the receiver's queue, so the wait is a short sleep.
func (n *Notifier) sendLocked(ctx context.Context, p []byte, fds []int) error {
	if err := n.openLocked(); err != nil {
		return err
	}

	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}

	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := unix.Sendmsg(n.fd, p, oob, &n.sa, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		if err == nil {
			return nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("sendmsg", err))
		}

		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("notify %s: wait for room in the queue: %w", n.addr, err)
		}
	}
}

func (n *Notifier) openLocked() error {
	if n.fd >= 0 {
		return nil
	}

	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("socket", err))
	}
	n.fd = fd
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// dupConnsLocked duplicates the descriptors that msgs store into n.dups.
// Each descriptor is only guaranteed to stay open inside its own Control
// callback, and several of them go out in one sendmsg, so the message carries
// duplicates that this package owns until it closes them.
func (n *Notifier) dupConnsLocked(msgs []Message) error {
	n.dups = n.dups[:0]

	for i := range msgs {
		for _, c := range msgs[i].conns {
			fd, err := dupConn(c)
			if err != nil {
				n.closeDupsLocked()
				return fmt.Errorf("notify %s: store descriptor %q: %w",
					n.addr, msgs[i].fields[1].text, err)
			}
			n.dups = append(n.dups, fd)
		}
	}
	return nil
}

func (n *Notifier) closeDupsLocked() {
	for _, fd := range n.dups {
		// The duplicates were never used for I/O; close cannot lose data.
		_ = unix.Close(fd)
	}
	n.dups = n.dups[:0]
}

func dupConn(c syscall.Conn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}

	dup, dupErr := -1, error(nil)
	err = rc.Control(func(fd uintptr) {
		dup, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3)
	})
	if err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, os.NewSyscallError("fcntl", dupErr)
	}
	return dup, nil
}
