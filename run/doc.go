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
// A Cmd uses the connection it is given, a [Conn] or the connection of a
// [manager.Manager] in Cmd.Manager, or else the package's default
// connection, a Conn dialled by the first Cmd that needs it and kept open
// for the life of the process (dialling costs a few round trips to the bus
// daemon). A Conn bounds the calls of its Cmds waiting for a reply, so
// hundreds of Cmds can share one. Each running Cmd
// costs systemd a match rule on its bus connection, of which dbus-daemon
// allows 512 by default: a few hundred Cmds running at once, across all
// processes, are the limit.
//
// # Scopes
//
// With Cmd.Scope set, the program runs the way systemd-run --scope runs
// it: as a child of the caller, with the caller's files and pipes as its
// standard streams (as with os/exec), but in a new transient scope unit
// whose cgroup limits apply to it and to everything it forks:
//
//	cmd := run.Command("make", "-j8")
//	cmd.Scope = true
//	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
//	cmd.Properties = []run.Property{run.MemoryMax(4 << 30), run.TasksMax(200)}
//	err := cmd.Run()
//
// The program is in the scope before it runs a single instruction of its
// own: the caller starts it traced (ptrace), so that the kernel stops it
// right after execve, has systemd create the scope with its PID, waits for
// the scope's start job and only then lets it go. A program that forks at
// once cannot escape the limits.
//
// A scope applies only the settings of its cgroup (MemoryMax=, TasksMax=,
// CPUQuota=, accounting, IPAddressDeny= ...), how its processes are killed
// (KillMode=, KillSignal= ...), RuntimeMaxSec=, TimeoutStopSec=,
// Description=, Slice= and CollectMode=. Everything systemd sets up when
// it forks a service's process itself (sandboxing, Environment=, User=,
// LimitNOFILE=, ExecStartPre= ...) cannot apply to a process the caller
// forked: such a Property fails Start with a [*PropertyError] matching
// [ErrNotForScope]. Cmd.User and Cmd.Group run the program as another user
// all the same: the caller sets its credentials when it forks, as
// systemd-run --scope --uid= does.
//
// [Result] then joins what the caller saw (the exit status or signal, the
// PID) to what systemd reports of the scope (its name, invocation ID,
// runtime and resource use). As systemd does not judge a scope by its
// processes' exit statuses, UnitResult is what a service would have got
// for the same end, unless the scope failed on its own (oom-kill, timeout).
// Wait stops the scope once the program has exited, ending whatever it
// left running; a done context kills every process of the scope.
//
// [StartScope] moves processes that already run into a new scope, as
// systemd-run --scope does with itself.
//
// # Privileges
//
// Starting units on the system manager needs root or a polkit grant. For
// any other caller, a Cmd without a Conn goes to the caller's own manager
// (systemctl --user), where User= cannot name another user.
//
// A scope's program is started traced, which needs ptrace to be allowed
// for the caller's own children (a Yama ptrace_scope of 3 forbids it, and
// a seccomp filter may). A tracer without CAP_SYS_PTRACE makes the kernel
// execute a setuid or setcap program without its privileges, so when an
// unprivileged caller runs such a program directly as a scope's program,
// the program loses them (what it executes in turn, untraced, does not).
// Cmd.User and Cmd.Group of a scope need root.
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
