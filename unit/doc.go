// Package unit is for working with systemd units from Go: their names, and
// handles on loaded units that read their typed properties and start, stop
// or kill them.
//
// The name functions follow systemd's own rules without asking systemd:
// they need no bus, no privileges and no running systemd. The handles come
// from package manager.
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
// # Handles
//
// A *Unit, from manager.Manager's LoadUnit, Unit, UnitByPID or
// UnitByInvocationID, is bound to that Manager's connection. Its property
// methods read one D-Bus interface each, in a single round trip: Properties
// for what every unit has, Service, Socket, Timer, Scope, Slice, Mount and
// Path for each type; Snapshot reads the common properties and those of
// the unit's type together, both calls sent at once. States are typed (ActiveState, LoadState, ...),
// timestamps are time.Time values, durations time.Duration values. What
// systemd leaves unset reads as the zero time, a nil pointer (a counter it
// does not know, such as MemoryCurrent without accounting), or Infinity and
// Forever (no limit). A property the running systemd lacks is no error: its
// field stays zero and its name is listed in the struct's Absent field.
// Property reads any other property by name; SetProperties changes
// settings at runtime, as systemctl set-property does.
//
// Note: systemd unloads a stopped unit that nothing refers to. Reading it
// afterwards loads it again, without the state of its last run (exit
// status, timestamps). Read what you need before stopping it, or keep it
// referenced.
//
// # Jobs
//
// Start, Stop, Restart, Reload, TryRestart and ReloadOrRestart queue a job
// and return a *Job. Job.Wait returns nil when the job's result is done,
// and otherwise a *JobError matching one of ErrJobFailed, ErrJobTimeout,
// ErrJobCanceled, ErrJobDependency and the others with errors.Is. A failed
// job's error names the unit's own result, such as "exit-code" or "timeout"
// for a service; a service whose start exceeds TimeoutStartSec= matches
// ErrJobTimeout too. PendingJob returns a job someone else queued, such as
// systemctl start --no-block, to wait for it the same way. Kill, ResetFailed, Freeze and Thaw act at once and
// return no job.
//
// # Compatibility
//
// Handles were tested against systemd 252. Freeze and Thaw need systemd
// 246 and a cgroup freezer; before 246 FreezerState and CanFreeze are
// absent (listed in Properties.Absent). MemoryPeak is absent on 252; newer
// versions have it.
//
// The name rules were checked against systemd 252: the tests compare this
// package's results with those of its systemd-escape, byte for byte, over
// tables and generated input. Other versions may differ at the edges, such
// as which paths can be escaped. See systemd.unit(5) and systemd-escape(1).
package unit
