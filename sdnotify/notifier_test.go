package sdnotify

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A receiver plays systemd's part: a datagram socket that reads notifications
// with the descriptors attached to them.
type receiver struct {
	conn *net.UnixConn
	addr string
}

func listen(tb testing.TB, addr string) *receiver {
	tb.Helper()

	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close() })

	return &receiver{conn: conn, addr: addr}
}

func listenTemp(tb testing.TB) *receiver {
	tb.Helper()

	return listen(tb, filepath.Join(tb.TempDir(), "notify"))
}

// receive returns the next notification and the descriptors that came with
// it, which the test must close.
func (r *receiver) receive(tb testing.TB) (string, []*os.File) {
	tb.Helper()

	require.NoError(tb, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, maxDatagram+1)
	oob := make([]byte, unix.CmsgSpace(4*maxFDs))
	n, oobn, _, _, err := r.conn.ReadMsgUnix(buf, oob)
	require.NoError(tb, err)

	return string(buf[:n]), parseRights(tb, oob[:oobn])
}

func parseRights(tb testing.TB, oob []byte) []*os.File {
	tb.Helper()

	cmsgs, err := unix.ParseSocketControlMessage(oob)
	require.NoError(tb, err)

	var files []*os.File
	for _, c := range cmsgs {
		fds, err := unix.ParseUnixRights(&c)
		require.NoError(tb, err)
		for _, fd := range fds {
			f := os.NewFile(uintptr(fd), "received")
			tb.Cleanup(func() { f.Close() })
			files = append(files, f)
		}
	}
	return files
}

func newNotifier(tb testing.TB, addr string) *Notifier {
	tb.Helper()

	n := New(addr)
	tb.Cleanup(func() { n.Close() })
	return n
}

func TestNotifySends(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	require.NoError(t, n.Notify(context.Background(), Ready(), Status("up")))
	got, files := r.receive(t)

	assert.Equal(t, "READY=1\nSTATUS=up", got)
	assert.Empty(t, files)
}

func TestNotifyReusesItsSocket(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	for i := range 3 {
		require.NoError(t, n.Notify(context.Background(), Status(strconv.Itoa(i))))
		got, _ := r.receive(t)
		assert.Equal(t, "STATUS="+strconv.Itoa(i), got)
	}
	require.NoError(t, n.Close())
	require.NoError(t, n.Notify(context.Background(), Ready()))
	got, _ := r.receive(t)
	assert.Equal(t, "READY=1", got)
}

func TestNotifyAbstractSocket(t *testing.T) {
	addr := "@gostemd-test-" + strconv.Itoa(os.Getpid())
	r := listen(t, addr)
	n := newNotifier(t, addr)

	require.NoError(t, n.Notify(context.Background(), Stopping()))
	got, _ := r.receive(t)

	assert.Equal(t, "STOPPING=1", got)
}

func TestNotifyWithoutSocket(t *testing.T) {
	n := New("")

	err := n.Notify(context.Background(), Ready())

	assert.ErrorIs(t, err, ErrNoSocket)
	assert.ErrorIs(t, n.Barrier(context.Background()), ErrNoSocket)
}

func TestNotifyValidatesWithoutSocket(t *testing.T) {
	err := New("").Notify(context.Background(), Status("a\nb"))

	var fe *FieldError
	assert.ErrorAs(t, err, &fe)
}

func TestNotifySendsNothingWhenOneMessageIsBad(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	err := n.Notify(context.Background(), Ready(), Status("x\nSTOPPING=1"))
	require.Error(t, err)
	require.NoError(t, n.Notify(context.Background(), Status("next")))

	got, _ := r.receive(t)
	assert.Equal(t, "STATUS=next", got)
}

func TestNotifyRefusesOversizedMessage(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	err := n.Notify(context.Background(), Status(strings.Repeat("x", maxDatagram)))

	assert.ErrorContains(t, err, "more than the 4096 systemd reads")
}

func TestNotifyBadAddress(t *testing.T) {
	for _, addr := range []string{"relative/path", "vsock:2:1234", "/" + string(make([]byte, 120))} {
		err := New(addr).Notify(context.Background(), Ready())
		assert.ErrorContains(t, err, "notify "+addr)
	}
}

func TestNotifyMissingSocketIsNotExist(t *testing.T) {
	n := newNotifier(t, filepath.Join(t.TempDir(), "absent"))

	err := n.Notify(context.Background(), Ready())

	assert.ErrorIs(t, err, fs.ErrNotExist)
	var se *os.SyscallError
	assert.ErrorAs(t, err, &se)
}

func TestNotifyStoresDescriptors(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()

	require.NoError(t, n.Notify(context.Background(), FDStore("pipe", pw, pw)))
	got, files := r.receive(t)

	assert.Equal(t, "FDSTORE=1\nFDNAME=pipe", got)
	require.Len(t, files, 2)
	_, err = files[0].WriteString("through the copy")
	require.NoError(t, err)
	buf := make([]byte, 64)
	k, err := pr.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "through the copy", string(buf[:k]))
}

func TestNotifyStoresListener(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	require.NoError(t, n.Notify(context.Background(), FDStore("web", ln.(*net.TCPListener))))
	_, files := r.receive(t)

	require.Len(t, files, 1)
	typ, err := unix.GetsockoptInt(int(files[0].Fd()), unix.SOL_SOCKET, unix.SO_TYPE)
	require.NoError(t, err)
	assert.Equal(t, unix.SOCK_STREAM, typ)
}

func TestNotifyStoreClosedFile(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	err = n.Notify(context.Background(), FDStore("gone", f))

	assert.ErrorContains(t, err, `store descriptor "gone"`)
	assert.ErrorContains(t, err, "closed")
}

func TestBarrierWaitsForClose(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	done := make(chan error, 1)

	go func() { done <- n.Barrier(context.Background()) }()
	got, files := r.receive(t)
	require.Equal(t, "BARRIER=1", got)
	require.Len(t, files, 1)

	select {
	case err := <-done:
		t.Fatalf("barrier returned before its pipe was closed: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, files[0].Close())
	require.NoError(t, <-done)
}

func TestBarrierEndsWithContext(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := n.Barrier(ctx)

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, files := r.receive(t)
	assert.Len(t, files, 1)
}

func TestBarrierEndsWithCancel(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	ctx, cancel := context.WithCancel(context.Background())

	time.AfterFunc(50*time.Millisecond, cancel)
	err := n.Barrier(ctx)

	assert.ErrorIs(t, err, context.Canceled)
	r.receive(t)
}

func TestNotifyWaitsForRoomWithContext(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	// Nobody reads: the receiver's queue fills up and sending must wait,
	// until ctx gives up.
	var err error
	for err == nil {
		err = n.Notify(ctx, Status("filling the queue"))
	}

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "wait for room in the queue")
	assert.NotNil(t, r)
}

func TestPackageNotify(t *testing.T) {
	r := listenTemp(t)
	t.Setenv(envSocket, r.addr)

	require.NoError(t, Notify(context.Background(), Ready()))
	got, _ := r.receive(t)

	assert.Equal(t, "READY=1", got)
}

func TestFromEnvUnsets(t *testing.T) {
	t.Setenv(envSocket, "/run/test.sock")
	t.Setenv(envWatchdogSec, "1000000")
	t.Setenv(envWatchdogPID, strconv.Itoa(os.Getpid()))

	n := FromEnv(&Options{UnsetEnv: true})

	assert.Equal(t, "/run/test.sock", n.Addr())
	d, err := n.WatchdogTimeout()
	require.NoError(t, err)
	assert.Equal(t, time.Second, d)
	for _, name := range []string{envSocket, envWatchdogSec, envWatchdogPID} {
		_, ok := os.LookupEnv(name)
		assert.False(t, ok, name)
	}
}

func TestFromEnvKeeps(t *testing.T) {
	t.Setenv(envSocket, "/run/test.sock")

	FromEnv(nil)

	assert.Equal(t, "/run/test.sock", os.Getenv(envSocket))
}

func TestNotifyAllocations(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	ctx := context.Background()
	go io.Copy(io.Discard, r.conn)

	allocs := testing.AllocsPerRun(100, func() {
		if err := n.Notify(ctx, Status("serving"), WatchdogPing()); err != nil {
			panic(err)
		}
	})

	assert.Zero(t, allocs)
}

func TestErrorsAreComparable(t *testing.T) {
	assert.False(t, errors.Is(ErrNoSocket, ErrNoWatchdog))
}

// systemd may re-create its socket at the same path; the Notifier must
// follow it instead of failing on the socket it connected to before.
func TestNotifyFollowsRecreatedSocket(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify")
	first := listen(t, addr)
	n := newNotifier(t, addr)
	require.NoError(t, n.Notify(context.Background(), Ready()))
	first.receive(t)

	require.NoError(t, first.conn.Close())
	require.NoError(t, os.Remove(addr))
	second := listen(t, addr)
	require.NoError(t, n.Notify(context.Background(), Status("again")))

	got, _ := second.receive(t)
	assert.Equal(t, "STATUS=again", got)
}

func TestZeroNotifier(t *testing.T) {
	var n Notifier

	assert.ErrorIs(t, n.Notify(context.Background(), Ready()), ErrNoSocket)
	assert.NoError(t, n.Close())
	d, err := n.WatchdogTimeout()
	assert.NoError(t, err)
	assert.Zero(t, d)
}

func TestNotifyNothing(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)

	require.NoError(t, n.Notify(context.Background()))
	require.NoError(t, n.Notify(context.Background(), Stopping()))

	got, _ := r.receive(t)
	assert.Equal(t, "STOPPING=1", got)
}

func TestNotifyReceiverGone(t *testing.T) {
	r := listenTemp(t)
	n := newNotifier(t, r.addr)
	require.NoError(t, n.Notify(context.Background(), Ready()))
	r.receive(t)

	require.NoError(t, r.conn.Close())
	err := n.Notify(context.Background(), Ready())

	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.ErrorContains(t, err, "notify "+r.addr+": ")
}
