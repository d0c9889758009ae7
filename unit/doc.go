// Package unit is for working with systemd units from Go; so far, with
// their names.
//
// Everything here follows systemd's own rules without asking systemd: it
// needs no bus, no privileges and no running systemd.
//
// # Names
//
// ParseName checks a unit name the way systemd does and splits it into
// prefix, instance and Type: "getty@tty1.service" is an instance of the
// template "getty@.service", with prefix "getty" and instance "tty1".
// Name.WithInstance and Name.Template move between a template and its
// instances.
//
// An invalid name gives a *NameError, which says what is wrong and matches
// ErrInvalidName with errors.Is.
//
// # Escaping
//
// Unit names allow few characters, so other strings are escaped to go into
// them. Escape and Unescape do what systemd-escape does; EscapePath and
// UnescapePath what systemd-escape --path does, which names mount, device
// and other units after file system paths ("/var/lib" becomes
// "var-lib.mount"). NameFromString, NameFromPath and
// Name.WithEscapedInstance build whole names from arbitrary strings, which
// can then never change more of the name than the part they become.
//
// Mangle turns what a person typed into a unit name, as systemctl does.
//
// # Compatibility
//
// The rules were checked against systemd 252: the tests compare this
// package's results with those of its systemd-escape, byte for byte, over
// tables and generated input. Other versions may differ at the edges, such
// as which paths can be escaped. See systemd.unit(5) and systemd-escape(1).
package unit
