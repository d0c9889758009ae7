// Package run is for running programs as transient systemd units, the way
// systemd-run does: with cgroup limits, sandboxing and another user, tracked
// and killed as a whole cgroup. [Command] and [Cmd] mirror os/exec.
//
// # Properties
//
// A [Property] is one setting of such a unit, made from systemd-run's -p
// syntax by [ParseProperty] or from Go values by functions such as
// [MemoryMax], [CPUQuota], [ReadOnlyPaths] and [IPAddressDeny], and passed
// in [Cmd.Properties]:
//
//	p, err := run.ParseProperty("MemoryMax=10M")
//	q := run.MemoryMax(10 << 20) // the same property
//
// Each Property knows the D-Bus names and types systemd expects for it,
// which differ from the assignment in places: CPUQuota=20% is sent as
// CPUQuotaPerSecUSec, RuntimeMaxSec= as RuntimeMaxUSec in microseconds,
// LimitNOFILE= as a hard and a soft limit, ExecStartPre=+... as
// ExecStartPreEx.
//
// # Lists
//
// Properties apply in order, as -p options do. Assigning a list property
// such as Environment=, ReadOnlyPaths= or ExecStartPre= several times adds
// to the list, and an empty assignment ("Environment=") clears it. Other
// properties take the last value; that includes CapabilityBoundingSet=,
// which systemd ORs together in unit files but replaces over D-Bus.
//
// # Compatibility
//
// The syntax and the D-Bus form follow systemd 252 (Debian 12), and the
// tests compare every supported property with what systemd-run 252 sends.
// Where systemd-run leaves a bad value for systemd to refuse, ParseProperty
// refuses it itself, naming the property; where systemd ignores a value
// (an unknown capability name or system call group), ParseProperty refuses
// it too.
package run
