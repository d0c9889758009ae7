package activation

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// Errors returned when looking descriptors up.
var (
	// ErrNotFound means no descriptor of the asked name was passed. A program
	// that also runs without systemd can fall back to opening its own socket.
	ErrNotFound = errors.New("no descriptor of that name")

	// ErrWrongKind means the descriptor of the asked name is not what the
	// call needs, such as a datagram socket asked for as a listener.
	ErrWrongKind = errors.New("wrong kind of descriptor")
)

// Options adjust how Adopt reads the environment. A nil *Options means the
// defaults.
type Options struct {
	// UnsetEnv removes LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and
	// LISTEN_PIDFDID from the process environment, whether or not Adopt
	// succeeds, so that child processes do not see them. The zero value
	// leaves the environment as it is.
	UnsetEnv bool
}

// A Set holds the descriptors systemd passed to this process, in the order
// systemd passed them. Each has a name: the socket unit's FileDescriptorName=
// (by default the socket unit's name), the FDNAME= it was stored under in the
// file descriptor store, or "unknown" when systemd passed no names.
//
// The Set owns its files. The net values its methods return own duplicates,
// as those of net.FileListener do: closing one does not close the other.
type Set struct {
	files []*os.File
}

// Adopt takes over the descriptors systemd passed to this process, as
// sd_listen_fds_with_names(3) does: only when LISTEN_PID is this process,
// LISTEN_FDS of them from descriptor 3 on, named by LISTEN_FDNAMES. It marks
// them close-on-exec. Without them it returns an empty Set, which is not an
// error: the process was not socket-activated.
//
// Call Adopt once per process: a second Set would own the same descriptors.
//
// NB: LISTEN_PIDFDID (systemd 256 and later), which guards against a reused
// process ID, is not checked; LISTEN_PID alone decides.
func Adopt(opts *Options) (*Set, error) {
	p, err := parseEnv(os.LookupEnv, os.Getpid())
	if opts != nil && opts.UnsetEnv {
		unsetEnv()
	}
	if err != nil {
		return nil, fmt.Errorf("adopt file descriptors: %w", err)
	}

	files, err := adopt(p)
	if err != nil {
		return nil, fmt.Errorf("adopt file descriptors: %w", err)
	}
	return &Set{files: files}, nil
}

// Len returns the number of descriptors in the Set.
func (s *Set) Len() int {
	return len(s.files)
}

// Files returns all descriptors, in the order systemd passed them. Each
// file's Name is its descriptor name.
func (s *Set) Files() []*os.File {
	return append([]*os.File(nil), s.files...)
}

// Names returns the descriptors' names, in order; a name appears once for
// every descriptor that has it.
func (s *Set) Names() []string {
	names := make([]string, len(s.files))
	for i, f := range s.files {
		names[i] = f.Name()
	}
	return names
}

// Named returns every descriptor called name: a socket unit with several
// Listen lines, or a name stored several times, gives more than one.
func (s *Set) Named(name string) []*os.File {
	var files []*os.File
	for _, f := range s.files {
		if f.Name() == name {
			files = append(files, f)
		}
	}
	return files
}

// File returns the one descriptor called name. It fails with ErrNotFound when
// there is none, and with another error when there are several (use Named).
func (s *Set) File(name string) (*os.File, error) {
	return one(s, name, "file", func(f *os.File) (*os.File, error) { return f, nil })
}

// Listener returns the one listening stream socket called name, such as a
// ListenStream= or ListenSequentialPacket= socket, as a *net.TCPListener or
// *net.UnixListener. It fails with ErrNotFound when there is none, with
// ErrWrongKind when the descriptor is not a listening socket, and with another
// error when several descriptors have the name (use Listeners).
func (s *Set) Listener(name string) (net.Listener, error) {
	return one(s, name, "listener", toListener)
}

// Listeners returns every listening socket called name, for a socket unit
// with several ListenStream= lines.
func (s *Set) Listeners(name string) ([]net.Listener, error) {
	return all(s, name, "listener", toListener)
}

// PacketConn returns the one datagram socket called name, such as a
// ListenDatagram= socket, as a *net.UDPConn, *net.UnixConn or *net.IPConn.
// It fails with ErrNotFound when there is none, with ErrWrongKind when the
// descriptor is not a datagram socket, and with another error when several
// descriptors have the name (use PacketConns).
func (s *Set) PacketConn(name string) (net.PacketConn, error) {
	return one(s, name, "packet connection", toPacketConn)
}

// PacketConns returns every datagram socket called name.
func (s *Set) PacketConns(name string) ([]net.PacketConn, error) {
	return all(s, name, "packet connection", toPacketConn)
}

// Conn returns the one connected stream socket called name, as systemd passes
// to each instance of a service whose socket has Accept=yes (named
// "connection" by default). It fails with ErrNotFound when there is none, with
// ErrWrongKind for a listening or datagram socket, and with another error
// when several descriptors have the name.
func (s *Set) Conn(name string) (net.Conn, error) {
	return one(s, name, "connection", toConn)
}

// Close closes every descriptor of the Set. The net values returned before
// stay open.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

func one[T any](s *Set, name, what string, conv func(*os.File) (T, error)) (T, error) {
	var zero T

	files := s.Named(name)
	switch len(files) {
	case 0:
		return zero, s.notFound(what, name)
	case 1:
	default:
		return zero, fmt.Errorf("%s %q: %d descriptors have that name (ask for all of them)",
			what, name, len(files))
	}

	v, err := conv(files[0])
	if err != nil {
		return zero, fmt.Errorf("%s %q: %w", what, name, err)
	}
	return v, nil
}

func all[T io.Closer](s *Set, name, what string, conv func(*os.File) (T, error)) ([]T, error) {
	files := s.Named(name)
	if len(files) == 0 {
		return nil, s.notFound(what, name)
	}

	vs := make([]T, 0, len(files))
	for _, f := range files {
		v, err := conv(f)
		if err != nil {
			closeAll(vs)
			return nil, fmt.Errorf("%s %q: %w", what, name, err)
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func closeAll[T io.Closer](vs []T) {
	for _, v := range vs {
		// These are duplicates made a moment ago and never used.
		_ = v.Close()
	}
}

// notFound names what was passed, so that a typo or a missing
// FileDescriptorName= is easy to spot.
func (s *Set) notFound(what, name string) error {
	if len(s.files) == 0 {
		return fmt.Errorf("%s %q: %w (none were passed: not socket-activated)",
			what, name, ErrNotFound)
	}

	quoted := make([]string, len(s.files))
	for i, f := range s.files {
		quoted[i] = strconv.Quote(f.Name())
	}
	return fmt.Errorf("%s %q: %w (passed: %s)", what, name, ErrNotFound, strings.Join(quoted, ", "))
}

func toListener(f *os.File) (net.Listener, error) {
	// One getsockopt tells a listening socket apart; only another kind of
	// descriptor needs the full inspection, to be named in the error.
	if !isListening(f) {
		if err := check(f, kind.isListener, "a listening stream socket"); err != nil {
			return nil, err
		}
	}
	return net.FileListener(f)
}

func toPacketConn(f *os.File) (net.PacketConn, error) {
	if err := check(f, kind.isPacketConn, "a datagram socket"); err != nil {
		return nil, err
	}
	return net.FilePacketConn(f)
}

func toConn(f *os.File) (net.Conn, error) {
	if err := check(f, kind.isConn, "a connected stream socket"); err != nil {
		return nil, err
	}
	return net.FileConn(f)
}

// check inspects f before net does, because net's errors for a descriptor
// of the wrong kind do not say what the descriptor is.
func check(f *os.File, ok func(kind) bool, want string) error {
	k, err := kindOf(f)
	if err != nil {
		return err
	}
	if !ok(k) {
		return fmt.Errorf("fd %d is %s, not %s: %w", k.fd, k, want, ErrWrongKind)
	}
	return nil
}
