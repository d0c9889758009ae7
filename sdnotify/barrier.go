package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

var barrierMessage = []byte("BARRIER=1")

// Barrier waits until systemd has processed every notification sent before
// it, by any Notifier of this process (systemd 246 and later). It sends
// BARRIER=1 with the write end of a pipe and waits until systemd closes it;
// ctx bounds the wait. Without a socket it returns ErrNoSocket.
//
// A service started by systemd rarely needs it: its messages are attributed
// correctly anyway. It matters before a process exits right after notifying,
// and when a test must observe the effect of a notification.
func (n *Notifier) Barrier(ctx context.Context) error {
	if n.addr == "" {
		return ErrNoSocket
	}
	if n.addrErr != nil {
		return n.addrErr
	}

	r, err := n.sendBarrier(ctx)
	if err != nil {
		return err
	}
	defer r.Close()

	if err := waitEOF(ctx, r); err != nil {
		return fmt.Errorf("notify %s: wait for barrier: %w", n.addr, err)
	}
	return nil
}

// sendBarrier sends BARRIER=1 with a new pipe's write end and returns the
// read end. The write end is closed here, so that only systemd's copy keeps
// the pipe open.
func (n *Notifier) sendBarrier(ctx context.Context) (*os.File, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("notify %s: barrier: %w", n.addr, os.NewSyscallError("pipe2", err))
	}

	// A non-blocking descriptor lets os.File use the network poller, so that
	// the wait can end with ctx.
	r := os.NewFile(uintptr(p[0]), "barrier")

	n.mu.Lock()
	err := n.sendLocked(ctx, barrierMessage, p[1:])
	n.mu.Unlock()

	// Closing a descriptor that was never used to write cannot lose data.
	_ = unix.Close(p[1])
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// waitEOF reads r until end of file, the only event systemd causes on the
// pipe, or until ctx ends.
func waitEOF(ctx context.Context, r *os.File) error {
	if deadline, ok := ctx.Deadline(); ok {
		if err := r.SetReadDeadline(deadline); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() {
		// Waking the reader is best effort: the deadline above covers a ctx
		// with a deadline, and this covers cancellation.
		_ = r.SetReadDeadline(time.Now())
	})
	defer stop()

	var buf [1]byte
	for {
		_, err := r.Read(buf[:])
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Only ctx sets deadlines here; a deadline that fires a moment
			// before ctx reports itself done is the same event.
			<-ctx.Done()
			return context.Cause(ctx)
		case err != nil:
			return err
		}
	}
}
