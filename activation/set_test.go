package activation

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var lookupEnv = os.LookupEnv

// fileOf returns a copy of c's descriptor as a file named name, as systemd
// would pass it.
func fileOf(tb testing.TB, c interface{ File() (*os.File, error) }, name string) *os.File {
	tb.Helper()

	f, err := c.File()
	require.NoError(tb, err)
	defer f.Close()
	return named(tb, f, name)
}

// named returns a duplicate of f's descriptor under another name. A second
// *os.File for the same descriptor would close it twice.
func named(tb testing.TB, f *os.File, name string) *os.File {
	tb.Helper()

	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	require.NoError(tb, err)
	dup := os.NewFile(uintptr(fd), name)
	tb.Cleanup(func() { dup.Close() })
	return dup
}

// testSet builds a Set like the one systemd would pass to a service with a
// TCP listener "web", a unix listener "web", a UDP socket "dns", a connected
// stream socket "conn" and a regular file "state".
func testSet(t *testing.T) *Set {
	t.Helper()

	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { tcp.Close() })

	unixLn, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(t.TempDir(), "s"), Net: "unix"})
	require.NoError(t, err)
	t.Cleanup(func() { unixLn.Close() })

	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })

	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	peer := os.NewFile(uintptr(pair[1]), "peer")
	t.Cleanup(func() { peer.Close() })

	state, err := os.CreateTemp(t.TempDir(), "state")
	require.NoError(t, err)
	t.Cleanup(func() { state.Close() })

	s := &Set{files: []*os.File{
		fileOf(t, tcp, "web"),
		fileOf(t, unixLn, "web"),
		fileOf(t, udp, "dns"),
		os.NewFile(uintptr(pair[0]), "conn"),
		named(t, state, "state"),
	}}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSetNames(t *testing.T) {
	s := testSet(t)

	assert.Equal(t, 5, s.Len())
	assert.Equal(t, []string{"web", "web", "dns", "conn", "state"}, s.Names())
	assert.Len(t, s.Named("web"), 2)
	assert.Empty(t, s.Named("nope"))
	assert.Len(t, s.Files(), 5)
}

func TestSetListeners(t *testing.T) {
	s := testSet(t)

	lns, err := s.Listeners("web")
	require.NoError(t, err)
	require.Len(t, lns, 2)
	defer closeAll(lns)

	assert.IsType(t, &net.TCPListener{}, lns[0])
	assert.IsType(t, &net.UnixListener{}, lns[1])
	c, err := net.Dial("tcp", lns[0].Addr().String())
	require.NoError(t, err)
	c.Close()
}

func TestSetListenerIsAmbiguous(t *testing.T) {
	s := testSet(t)

	_, err := s.Listener("web")

	assert.EqualError(t, err, `listener "web": 2 descriptors have that name (ask for all of them)`)
	assert.NotErrorIs(t, err, ErrNotFound)
}

func TestSetPacketConn(t *testing.T) {
	s := testSet(t)

	pc, err := s.PacketConn("dns")
	require.NoError(t, err)
	defer pc.Close()

	assert.IsType(t, &net.UDPConn{}, pc)
	pcs, err := s.PacketConns("dns")
	require.NoError(t, err)
	closeAll(pcs)
}

func TestSetConn(t *testing.T) {
	s := testSet(t)

	c, err := s.Conn("conn")
	require.NoError(t, err)
	defer c.Close()

	_, err = c.Write([]byte("x"))
	assert.NoError(t, err)
}

func TestSetFile(t *testing.T) {
	s := testSet(t)

	f, err := s.File("state")
	require.NoError(t, err)
	_, err = f.WriteString("kept")
	require.NoError(t, err)
	_, err = f.Seek(0, io.SeekStart)
	require.NoError(t, err)

	data, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(data))
}

func TestSetWrongKind(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"datagram as listener", func() error { _, err := s.Listener("dns"); return err },
			`listener "dns": fd \d+ is a datagram socket, not a listening stream socket: wrong kind of descriptor`},
		{"listener as packet conn", func() error { _, err := s.PacketConns("web"); return err },
			`packet connection "web": fd \d+ is a listening stream socket, not a datagram socket`},
		{"file as listener", func() error { _, err := s.Listener("state"); return err },
			`listener "state": fd \d+ is a regular file, not a listening stream socket`},
		{"connection as listener", func() error { _, err := s.Listener("conn"); return err },
			`listener "conn": fd \d+ is a connected stream socket, not a listening stream socket`},
		{"datagram as connection", func() error { _, err := s.Conn("dns"); return err },
			`connection "dns": fd \d+ is a datagram socket, not a connected stream socket`},
		{"file as packet conn", func() error { _, err := s.PacketConn("state"); return err },
			`fd \d+ is a regular file, not a datagram socket`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()

			assert.ErrorIs(t, err, ErrWrongKind)
			assert.Regexp(t, tt.want, err.Error())
		})
	}
}

func TestSetNotFound(t *testing.T) {
	s := testSet(t)

	_, err := s.Listener("admin")

	assert.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, `listener "admin": no descriptor of that name`+
		` (passed: "web", "web", "dns", "conn", "state")`)
}

func TestEmptySetNotFound(t *testing.T) {
	s := &Set{}

	_, err := s.PacketConn("dns")

	assert.ErrorIs(t, err, ErrNotFound)
	assert.ErrorContains(t, err, "not socket-activated")
	_, err = s.File("x")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestSetClose(t *testing.T) {
	s := testSet(t)
	ln, err := s.PacketConn("dns")
	require.NoError(t, err)
	defer ln.Close()

	require.NoError(t, s.Close())

	// The converted socket owns a duplicate and stays usable.
	_, err = ln.WriteTo([]byte("x"), ln.LocalAddr())
	assert.NoError(t, err)
}
