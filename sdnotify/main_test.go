package sdnotify_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/activation"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/sdnotify"
)

func TestMain(m *testing.M) {
	testbed.Main(m,
		testbed.Helper{Name: "ready", Run: readyHelper},
		testbed.Helper{Name: "reload", Run: reloadHelper},
		testbed.Helper{Name: "watchdog", Run: watchdogHelper},
		testbed.Helper{Name: "fdstore", Run: fdstoreHelper},
		testbed.Helper{Name: "barrier", Run: barrierHelper},
	)
}

// The helpers below are the services under test: systemd starts them from
// this test binary, and they speak to it through the sdnotify package. They
// report failures on standard error, which goes to the journal, and through
// their exit status.

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "helper:", err)
	return 1
}

// waitFile waits until path exists, then removes it, so that each gate
// opens once.
func waitFile(path string) {
	for {
		if err := os.Remove(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readyHelper reports that it waits, keeps extending its start timeout until
// the gate file args[0] appears, and only then reports READY=1.
func readyHelper(args []string) int {
	n := sdnotify.FromEnv(&sdnotify.Options{UnsetEnv: true})
	defer n.Close()
	ctx := context.Background()

	err := n.Notify(ctx, sdnotify.Status("waiting for gate"), sdnotify.Errno(syscall.ENOENT))
	if err != nil {
		return fail(err)
	}
	for !fileExists(args[0]) {
		if err := n.Notify(ctx, sdnotify.ExtendTimeout(2*time.Second)); err != nil {
			return fail(err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("ready")); err != nil {
		return fail(err)
	}
	waitSignal(syscall.SIGTERM)
	return 0
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func waitSignal(sigs ...os.Signal) os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	return <-c
}

// reloadHelper reloads on SIGHUP: once the gate args[0] opens it reports
// RELOADING=1, and once the gate args[1] opens it reports READY=1.
func reloadHelper(args []string) int {
	n := sdnotify.FromEnv(nil)
	defer n.Close()
	ctx := context.Background()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM)

	if err := n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("ready")); err != nil {
		return fail(err)
	}
	for count := 1; ; count++ {
		if <-sigs == syscall.SIGTERM {
			return 0
		}
		if err := reloadOnce(ctx, n, args[0], args[1], count); err != nil {
			return fail(err)
		}
	}
}

func reloadOnce(ctx context.Context, n *sdnotify.Notifier, begin, end string, count int) error {
	waitFile(begin)
	if err := n.Notify(ctx, sdnotify.Reloading(), sdnotify.Status("reloading")); err != nil {
		return err
	}

	waitFile(end)
	return n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("reloaded "+strconv.Itoa(count)))
}

// watchdogHelper pings the watchdog until the gate args[0] opens, then stops
// pinging and waits for systemd to kill it.
func watchdogHelper(args []string) int {
	n := sdnotify.FromEnv(nil)
	defer n.Close()

	timeout, err := n.WatchdogTimeout()
	if err != nil {
		return fail(err)
	}
	if timeout != time.Second {
		return fail(fmt.Errorf("watchdog timeout is %v, want 1s", timeout))
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- n.RunWatchdog(ctx) }()
	if err := n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("pinging")); err != nil {
		return fail(err)
	}

	waitFile(args[0])
	stop()
	<-done
	if err := n.Notify(context.Background(), sdnotify.Status("stopped pinging")); err != nil {
		return fail(err)
	}
	time.Sleep(time.Hour)
	return 0
}

// fdstoreHelper keeps a memory file "state" and a unix listener "listener"
// in systemd's file descriptor store. On its first start it creates both and
// stores them; after a restart it adopts them back. It answers every
// connection with the state and where each descriptor came from, and on
// SIGHUP removes "state" from the store.
func fdstoreHelper(args []string) int {
	set, err := activation.Adopt(&activation.Options{UnsetEnv: true})
	if err != nil {
		return fail(err)
	}
	n := sdnotify.FromEnv(nil)
	defer n.Close()
	ctx := context.Background()

	state, stateFrom, err := adoptOrCreateState(ctx, set, n)
	if err != nil {
		return fail(err)
	}
	ln, lnFrom, err := adoptOrListen(ctx, set, n, args[0])
	if err != nil {
		return fail(err)
	}

	go answerState(ln, state, "state="+stateFrom+" listener="+lnFrom)
	if err := n.Notify(ctx, sdnotify.Ready()); err != nil {
		return fail(err)
	}
	return removeStateOnHUP(ctx, n)
}

func adoptOrCreateState(ctx context.Context, set *activation.Set, n *sdnotify.Notifier,
) (*os.File, string, error) {
	if f, err := set.File("state"); err == nil {
		return f, "adopted", nil
	}

	fd, err := unix.MemfdCreate("state", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, "", err
	}
	f := os.NewFile(uintptr(fd), "state")
	if _, err := fmt.Fprintf(f, "written by pid %d", os.Getpid()); err != nil {
		return nil, "", err
	}
	return f, "created", n.Notify(ctx, sdnotify.FDStore("state", f))
}

func adoptOrListen(ctx context.Context, set *activation.Set, n *sdnotify.Notifier, path string,
) (net.Listener, string, error) {
	if ln, err := set.Listener("listener"); err == nil {
		return ln, "adopted", nil
	}

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, "", err
	}
	// The socket file must outlive this process, or the stored socket
	// would come back without a path.
	ln.SetUnlinkOnClose(false)
	return ln, "created", n.Notify(ctx, sdnotify.FDStore("listener", ln))
}

func answerState(ln net.Listener, state *os.File, origin string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 256)
		k, _ := state.ReadAt(buf, 0)
		io.WriteString(c, origin+" content="+strconv.Quote(string(buf[:k]))+"\n")
		c.Close()
	}
}

func removeStateOnHUP(ctx context.Context, n *sdnotify.Notifier) int {
	for {
		if waitSignal(syscall.SIGHUP, syscall.SIGTERM) == syscall.SIGTERM {
			return 0
		}
		if err := n.Notify(ctx, sdnotify.FDStoreRemove("state")); err != nil {
			return fail(err)
		}
		if err := n.Notify(ctx, sdnotify.Status("removed state")); err != nil {
			return fail(err)
		}
	}
}

// barrierHelper sets its status again and again, and after each Barrier reads
// the unit's StatusText back from systemd: the barrier promises that systemd
// has processed the status by then. It reports the outcome in its status.
func barrierHelper(args []string) int {
	n := sdnotify.FromEnv(nil)
	defer n.Close()
	ctx := context.Background()

	if err := n.Notify(ctx, sdnotify.Ready()); err != nil {
		return fail(err)
	}
	result, err := checkBarriers(ctx, n, args[0], 20)
	if err != nil {
		return fail(err)
	}
	if err := n.Notify(ctx, sdnotify.Status(result)); err != nil {
		return fail(err)
	}
	waitSignal(syscall.SIGTERM)
	return 0
}

func checkBarriers(ctx context.Context, n *sdnotify.Notifier, unit string, rounds int,
) (string, error) {
	for i := range rounds {
		want := "step " + strconv.Itoa(i)
		if err := n.Notify(ctx, sdnotify.Status(want)); err != nil {
			return "", err
		}

		bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := n.Barrier(bctx)
		cancel()
		if err != nil {
			return "", err
		}

		out, err := exec.Command("systemctl", "show", "--value", "-p", "StatusText", unit).Output()
		if err != nil {
			return "", err
		}
		if got := strings.TrimSpace(string(out)); got != want {
			return fmt.Sprintf("barrier broken in round %d: status %q, want %q", i, got, want), nil
		}
	}
	return "barriers held " + strconv.Itoa(rounds) + " times", nil
}
