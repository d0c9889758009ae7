// Package gostemd holds what every part of the gostemd module shares: the
// errors systemd and the D-Bus daemon report by name.
//
// The module is a client library for systemd over D-Bus. Its packages
// (unit, manager, run, sdnotify, activation) speak Go types; this root
// package only defines the sentinel errors they all return, so a caller can
// test a failure the same way whichever package reported it:
//
//	if errors.Is(err, gostemd.ErrNoSuchUnit) {
//		// the unit is not loaded
//	}
//
// An error that came over D-Bus also keeps the original message, which
// errors.As reaches as a [github.com/godbus/dbus/v5.Error] value.
//
// # Compatibility
//
// The errors cover systemd 252 and later. A sentinel for a name that only a
// newer systemd sends says so in its documentation.
package gostemd
