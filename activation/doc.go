// Package activation lets a service take over the file descriptors systemd
// passes to it: the sockets of socket activation (a .socket unit, or
// systemd-socket-activate), and the descriptors it kept for the service in
// its file descriptor store across a restart. It follows
// sd_listen_fds_with_names(3) without linking libsystemd.
//
// Adopt reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES once and returns a
// Set, from which the service takes what it expects by name:
//
//	fds, err := activation.Adopt(nil)
//	if err != nil {
//		return err
//	}
//	ln, err := fds.Listener("web")
//	if errors.Is(err, activation.ErrNotFound) {
//		ln, err = net.Listen("tcp", ":8080") // started by hand, not by systemd
//	}
//
// # Names
//
// A socket's name is its socket unit's FileDescriptorName=, or by default the
// socket unit's own name, such as "web.socket"; a descriptor from the file
// descriptor store keeps the FDNAME= it was stored under (see the sdnotify
// package). Several descriptors may share a name: a socket unit with two
// ListenStream= lines passes two. Look them up with Listeners, PacketConns
// or Named.
//
// # Kinds
//
// Each lookup checks that the descriptor is what it is asked for: Listener
// wants a listening stream socket, PacketConn a datagram socket, Conn a
// connected one (Accept=yes). Anything else is an ErrWrongKind error that
// says what the descriptor is instead.
//
// # Compatibility
//
// LISTEN_FDNAMES needs systemd 227; older versions pass no names, and every
// descriptor is then called "unknown". The package is Linux-only, as systemd
// is.
package activation
