// Package sdnotify lets a service tell systemd about its state: that it has
// started (Type=notify), is reloading or stopping, what its status line says,
// that it is alive (the watchdog), and which file descriptors systemd should
// keep for it across restarts (the file descriptor store). It speaks the
// protocol of sd_notify(3) without linking libsystemd.
//
// A service sends messages through a Notifier:
//
//	n := sdnotify.FromEnv(nil)
//	defer n.Close()
//	err := n.Notify(ctx, sdnotify.Ready(), sdnotify.Status("serving"))
//	if errors.Is(err, sdnotify.ErrNoSocket) {
//		// Not started by systemd with a notification socket; carry on.
//	}
//
// Messages are typed: each constructor builds one well-known assignment, and
// Field builds any other. Notify checks every message before it sends one
// datagram, so a value that would smuggle in another field (a newline) or
// that systemd would silently ignore (a bad descriptor name) is reported to
// the caller, and nothing is sent.
//
// # Watchdog
//
// With WatchdogSec= in the unit, systemd kills a service that does not ping
// in time. Notifier.WatchdogTimeout reads the interval from the environment,
// and Notifier.RunWatchdog pings at half of it until its context ends.
//
// # File descriptor store
//
// FDStore hands descriptors to systemd, which passes them back when the
// service starts again; the activation package adopts them by name. The unit
// must set FileDescriptorStoreMax=.
//
// # Compatibility
//
// The protocol is old and stable; where a message needs a newer systemd, its
// constructor says so. Older versions ignore fields they do not know.
// Type=notify-reload, which requires Reloading's MONOTONIC_USEC=, needs
// systemd 253. Only unix socket addresses are supported: NB, the vsock:
// addresses of systemd 254 and later, used to notify a hypervisor, are
// reported as errors.
//
// The package is Linux-only, as systemd is.
package sdnotify
