package sdnotify

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sendLocked sends one datagram with the descriptors fds attached. n.mu must
// be held.
//
// A socket whose receiver has gone, as after systemd re-created its socket,
// is replaced once: the message never reached anyone, so sending it again
// cannot duplicate it.
func (n *Notifier) sendLocked(ctx context.Context, p []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}

	err := n.trySendLocked(ctx, p, oob)
	if isGone(err) {
		// Closing a socket whose peer is gone cannot lose data.
		_ = n.closeLocked()
		err = n.trySendLocked(ctx, p, oob)
	}
	if isGone(err) {
		return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("sendmsg", err))
	}
	return err
}

// isGone reports whether err says the receiving socket no longer exists.
func isGone(err error) bool {
	return err == unix.ECONNREFUSED || err == unix.ENOTCONN
}

// trySendLocked sends on a socket connected to the address. Connecting lets
// poll(2) report when systemd's queue has room again, which it cannot for an
// unconnected datagram socket, and spares the kernel a path lookup on every
// send.
//
// The socket is not handed to Go's network poller: that would cost
// allocations on every send, and a send waits only in the rare case that
// systemd's queue is full.
func (n *Notifier) trySendLocked(ctx context.Context, p, oob []byte) error {
	if err := n.openLocked(); err != nil {
		return err
	}

	for {
		err := unix.Sendmsg(n.fd, p, oob, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		switch err {
		case nil:
			return nil
		case unix.ECONNREFUSED, unix.ENOTCONN:
			return err // bare, for sendLocked to reconnect
		case unix.EAGAIN, unix.EINTR:
		default:
			return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("sendmsg", err))
		}

		if err := waitWritable(ctx, n.fd); err != nil {
			return fmt.Errorf("notify %s: wait for room in the queue: %w", n.addr, err)
		}
	}
}

func (n *Notifier) openLocked() error {
	if n.open {
		return nil
	}

	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("socket", err))
	}
	if err := unix.Connect(fd, &n.sa); err != nil {
		_ = unix.Close(fd) // never used: nothing to lose
		return fmt.Errorf("notify %s: %w", n.addr, os.NewSyscallError("connect", err))
	}

	n.fd, n.open = fd, true
	return nil
}

func (n *Notifier) closeLocked() error {
	if !n.open {
		return nil
	}

	err := unix.Close(n.fd)
	n.fd, n.open = -1, false
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// waitWritable waits until fd can send again or ctx ends. poll wakes up every
// few milliseconds to look at ctx: this path runs only when systemd is too
// busy to read, so the latency does not matter.
func waitWritable(ctx context.Context, fd int) error {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}

	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}

		_, err := unix.Poll(fds, 10)
		if err != nil && err != unix.EINTR {
			return os.NewSyscallError("poll", err)
		}
		if fds[0].Revents != 0 {
			return nil
		}
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
