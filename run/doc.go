// Package run is for running programs as transient systemd units, the way
// systemd-run does: with cgroup limits, sandboxing and another user, tracked
// and killed as a whole cgroup. [Command] and [Cmd] mirror os/exec.
//
// # Running commands
//
// A [Cmd] runs one program as a transient service and waits for it the way
// systemd-run --wait does. Its fields are those of exec.Cmd, plus the
// unit's own settings:
//
//	cmd := run.Command("make", "test")
//	cmd.User = "builder"
//	cmd.Properties = []run.Property{run.MemoryMax(2 << 30), run.PrivateTmp(true)}
//	out, err := cmd.CombinedOutput()
//
// A run that does not succeed returns an [*ExitError]. Either way
// [Cmd.Result] then holds what systemd reports: the unit's result, the exit
// status or signal, the runtime and what systemd counted of the resources
// used.
//
// A Cmd waits without polling. It follows the unit's PropertiesChanged
// signals, subscribed to before the unit starts, and holds a reference on
// the unit (AddRef), so that systemd keeps the unit and its result loaded
// until Wait has read them, even when it collects failed units. A
// daemon-reload or daemon-reexec during the wait does no harm.
//
// Where os/exec's behaviour does not carry over, the Cmd's documentation
// says so: a nil Env and an empty Dir give the manager's defaults, a nil
// Stdout or Stderr goes to the journal, Start returns once systemd has
// queued the unit (a program that cannot be executed fails in Wait, with
// exit status 203), and a main process ended by SIGTERM, which systemd
// counts as a clean end, is an ExitError.
//
// Cmds that run many units at once should share a [Conn]. Each running Cmd
// costs systemd a match rule on its bus connection, of which dbus-daemon
// allows 512 by default: a few hundred Cmds running at once, across all
// processes, are the limit.
//
// # Privileges
//
// Starting units on the system manager needs root or a polkit grant. For
// any other caller, a Cmd without a Conn goes to the caller's own manager
// (systemctl --user), where User= cannot name another user.
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
// Cmd is tested against systemd 252 and 257.
//
// The syntax and the D-Bus form follow systemd 252 (Debian 12), and the
// tests compare every supported property with what systemd-run 252 sends.
// Where systemd-run leaves a bad value for systemd to refuse, ParseProperty
// refuses it itself, naming the property; where systemd ignores a value
// (an unknown capability name or system call group), ParseProperty refuses
// it too.
package run
