package sdnotify_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/sdnotify"
)

// A Type=notify service reports that it is ready once it listens, and keeps
// its status line current. Outside systemd the notifications are skipped.
func ExampleNotifier_Notify() {
	n := sdnotify.FromEnv(&sdnotify.Options{UnsetEnv: true})
	defer n.Close()
	ctx := context.Background()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()

	err = n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("listening on "+ln.Addr().String()))
	if err != nil && !errors.Is(err, sdnotify.ErrNoSocket) {
		log.Fatal(err)
	}
}

// A Type=notify-reload service (systemd 253 and later) reloads on SIGHUP and
// tells systemd when it begins and when it is done.
func ExampleReloading() {
	n := sdnotify.FromEnv(nil)
	defer n.Close()
	ctx := context.Background()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for range hup {
		if err := n.Notify(ctx, sdnotify.Reloading()); err != nil {
			log.Print(err)
		}
		// ... read the configuration again ...
		if err := n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("configuration reloaded")); err != nil {
			log.Print(err)
		}
	}
}

// A service with WatchdogSec= pings while it is healthy.
func ExampleNotifier_RunWatchdog() {
	n := sdnotify.FromEnv(nil)
	defer n.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	go func() {
		err := n.RunWatchdog(ctx)
		if errors.Is(err, sdnotify.ErrNoWatchdog) {
			return // no WatchdogSec= for this service
		}
		log.Print(err)
	}()
}

// A service keeps a socket in systemd's file descriptor store, so that a
// restart does not drop the connections waiting on it; after the restart the
// activation package hands it back under the same name.
func ExampleFDStore() {
	n := sdnotify.FromEnv(nil)
	defer n.Close()

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: "/run/example.sock", Net: "unix"})
	if err != nil {
		log.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)

	if err := n.Notify(context.Background(), sdnotify.FDStore("listener", ln)); err != nil {
		log.Fatal(err)
	}
}

// Barrier makes sure systemd has seen the final status before the process
// exits.
func ExampleNotifier_Barrier() {
	n := sdnotify.FromEnv(nil)
	defer n.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	err := n.Notify(ctx, sdnotify.Status("exiting: disk full"), sdnotify.Errno(syscall.ENOSPC))
	if err != nil {
		log.Print(err)
	}
	if err := n.Barrier(ctx); err != nil {
		log.Print(err)
	}
}

// Messages print as they are sent.
func ExampleMessage_String() {
	fmt.Println(sdnotify.Status("serving 3 clients"))
	fmt.Println(sdnotify.ExtendTimeout(90 * time.Second))
	fmt.Println(sdnotify.FDStoreRemove("state"))
	// Output:
	// STATUS=serving 3 clients
	// EXTEND_TIMEOUT_USEC=90000000
	// FDSTOREREMOVE=1
	// FDNAME=state
}

// A value that would inject another field is refused, and nothing is sent.
func ExampleFieldError() {
	n := sdnotify.New("")

	err := n.Notify(context.Background(), sdnotify.Ready(), sdnotify.Status("ok\nSTOPPING=1"))

	var fe *sdnotify.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Key, "refused:", fe.Reason)
	}
	// Output:
	// STATUS refused: contains a newline (it would start another field)
}

// Outside systemd there is no socket, which callers can tell from a failure.
func ExampleErrNoSocket() {
	n := sdnotify.New("")

	err := n.Notify(context.Background(), sdnotify.Ready())

	fmt.Println(errors.Is(err, sdnotify.ErrNoSocket))
	// Output:
	// true
}
