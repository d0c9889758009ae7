package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/internal/bus"
)

// openPTY opens a new pseudo-terminal and returns its master side and the
// peer that the unit gets.
func openPTY() (master, peer *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}

	name, err := unlockPTY(master)
	if err == nil {
		peer, err = os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, peer, nil
}

// unlockPTY unlocks the peer of a pseudo-terminal's master and returns the
// peer's path, as unlockpt(3) and ptsname(3) do.
func unlockPTY(master *os.File) (string, error) {
	conn, err := master.SyscallConn()
	if err != nil {
		return "", err
	}

	var n int
	var ioctlErr error
	err = conn.Control(func(fd uintptr) {
		ioctlErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0)
		if ioctlErr == nil {
			n, ioctlErr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	})
	if err != nil {
		return "", err
	}
	if ioctlErr != nil {
		return "", os.NewSyscallError("ioctl", ioctlErr)
	}
	return fmt.Sprintf("/dev/pts/%d", n), nil
}

// ptyProperties gives the unit a new pseudo-terminal as its standard input,
// output and error, as systemd-run --pty does, and sets up the copying
// between its master side and Stdin and Stdout.
func (c *Cmd) ptyProperties() ([]bus.Property, error) {
	master, peer, err := openPTY()
	if err != nil {
		return nil, fmt.Errorf("open pseudo-terminal: %w", err)
	}
	c.closeAfterStart = append(c.closeAfterStart, peer)
	c.closeAfterWait = append(c.closeAfterWait, master)

	// The terminal's output is always read: a unit writing to a terminal
	// that nobody reads would block once its buffer is full.
	out := c.Stdout
	if out == nil {
		out = io.Discard
	}
	c.copiers = append(c.copiers, func() error { return copyFromPTY(out, master) })
	if c.Stdin != nil {
		c.copiers = append(c.copiers, func() error { return copyToPTY(master, c.Stdin) })
	}

	props := []bus.Property{
		{Name: "Type", Value: dbus.MakeVariant("exec")}, // see awaitTerminal
		fdProperty(stdinFD, peer),
		fdProperty(stdoutFD, peer),
		fdProperty(stderrFD, peer),
		{Name: "TTYPath", Value: dbus.MakeVariant(peer.Name())},
	}
	if !slices.ContainsFunc(c.Env, func(v string) bool { return strings.HasPrefix(v, "TERM=") }) {
		props = append(props, bus.Property{Name: "Environment",
			Value: dbus.MakeVariant([]string{"TERM=" + callerTerm()})})
	}
	return props, nil
}

// callerTerm is the caller's terminal type, or vt220 as systemd-run falls
// back to.
func callerTerm() string {
	if term := os.Getenv("TERM"); term != "" {
		return term
	}
	return "vt220"
}

// copyFromPTY copies the unit's output. Reading the master side fails with
// EIO once every copy of the peer is closed, which is its end of file.
func copyFromPTY(w io.Writer, master *os.File) error {
	_, err := io.Copy(w, master)
	if errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}

// copyToPTY copies Stdin to the unit. The terminal has no end of file of its
// own: what the unit does not read is lost when it stops.
func copyToPTY(master *os.File, r io.Reader) error {
	_, err := io.Copy(master, r)
	if errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
