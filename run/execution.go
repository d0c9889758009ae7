package run

import (
	"maps"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/internal/property"
	"github.com/gostemd/gostemd/unit"
)

// Environment sets environment variables, each given as "KEY=value"
// (Environment=). Several Environment properties add up, a later value
// replacing an earlier one; none at all clears what came before.
func Environment(vars ...string) Property {
	return parse("Environment", property.QuoteAll(vars, ""))
}

// EnvironmentMap sets the environment variables in vars, in the order of
// their names (Environment=).
func EnvironmentMap(vars map[string]string) Property {
	list := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		list = append(list, k+"="+vars[k])
	}
	return Environment(list...)
}

// Description sets the unit's description (Description=), which systemctl
// status shows.
func Description(text string) Property {
	return parse("Description", text)
}

// Slice puts the unit into a slice unit, such as "batch.slice" (Slice=).
func Slice(name string) Property {
	return parse("Slice", name)
}

// WorkingDirectory sets the working directory of the unit's processes
// (WorkingDirectory=): an absolute path, or "~" for the user's home.
func WorkingDirectory(dir string) Property {
	return parse("WorkingDirectory", dir)
}

// Nice sets the nice level of the unit's processes, -20 to 19 (Nice=).
func Nice(level int) Property {
	return parse("Nice", strconv.Itoa(level))
}

// RuntimeMax stops the unit once it has been active for d
// (RuntimeMaxSec=). systemd counts in microseconds.
func RuntimeMax(d time.Duration) Property {
	return parse("RuntimeMaxSec", timespan(d))
}

// TimeoutStop sets how long systemd waits for the unit to stop before it
// sends SIGKILL (TimeoutStopSec=).
func TimeoutStop(d time.Duration) Property {
	return parse("TimeoutStopSec", timespan(d))
}

// timespan formats d in the largest unit that keeps it exact, down to
// microseconds.
func timespan(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return strconv.FormatInt(int64(d/time.Microsecond), 10) + "us"
}

// Kill is which processes systemd signals when it stops a unit.
type Kill string

// Values of KillMode=.
const (
	KillControlGroup Kill = "control-group" // every process of the unit (the default)
	KillProcess      Kill = "process"       // the main process only
	KillMixed        Kill = "mixed"         // SIGTERM to the main process, SIGKILL to all
	KillNone         Kill = "none"          // none; not recommended
)

// KillMode chooses which processes systemd signals when it stops the unit
// (KillMode=).
func KillMode(mode Kill) Property {
	return parse("KillMode", string(mode))
}

// KillSignal sets the signal that stops the unit (KillSignal=); the
// default is SIGTERM.
func KillSignal(sig syscall.Signal) Property {
	return parse("KillSignal", strconv.Itoa(int(sig)))
}

// Resource is a process resource limit, as in setrlimit(2).
type Resource string

// Resource limits. Values are in bytes for the size limits, seconds for
// ResourceCPU, microseconds for ResourceRTTIME, and a count or a raw
// priority for the others.
const (
	ResourceAS         Resource = "AS"
	ResourceCORE       Resource = "CORE"
	ResourceCPU        Resource = "CPU"
	ResourceDATA       Resource = "DATA"
	ResourceFSIZE      Resource = "FSIZE"
	ResourceLOCKS      Resource = "LOCKS"
	ResourceMEMLOCK    Resource = "MEMLOCK"
	ResourceMSGQUEUE   Resource = "MSGQUEUE"
	ResourceNICE       Resource = "NICE"
	ResourceNOFILE     Resource = "NOFILE"
	ResourceNPROC      Resource = "NPROC"
	ResourceRSS        Resource = "RSS"
	ResourceRTPRIO     Resource = "RTPRIO"
	ResourceRTTIME     Resource = "RTTIME"
	ResourceSIGPENDING Resource = "SIGPENDING"
	ResourceSTACK      Resource = "STACK"
)

// Limit sets a resource limit of the unit's processes (LimitNOFILE= and
// the like): soft is what they get, hard how far they may raise it.
// Infinity means no limit. The soft limit may not exceed the hard one.
func Limit(r Resource, soft, hard uint64) Property {
	return parse("Limit"+string(r), count(soft)+":"+count(hard))
}

// Type sets how systemd decides that the service has started (Type=), one
// of unit's Service* types such as unit.ServiceOneshot.
func Type(t unit.ServiceType) Property {
	return parse("Type", string(t))
}

// RemainAfterExit keeps the service active after its processes exit
// (RemainAfterExit=).
func RemainAfterExit(on bool) Property { return parseBool("RemainAfterExit", on) }

// An Exec is a command run by one of the Exec*= properties.
//
// NB: Privileged, NoSetuid, Ambient and NoEnvExpand are sent, as systemd-run
// sends them, in the ExecStartPreEx= family of properties. systemd 252 writes
// those into the transient unit file but does not read them back, so after a
// daemon-reload or daemon-reexec such commands silently disappear from the
// unit. Plain commands (Argv, Path, IgnoreFailure) are not affected.
type Exec struct {
	// Argv is the command line, Argv[0] included.
	Argv []string

	// Path is the program to run, if it is not Argv[0]. An absolute path,
	// or a file name that systemd looks up.
	Path string

	// IgnoreFailure lets the unit go on when the command fails ("-").
	IgnoreFailure bool

	// Privileged runs the command with full privileges, ignoring User=
	// and the sandboxing settings ("+").
	Privileged bool

	// NoSetuid runs the command as root with the unit's other settings
	// ("!"); Ambient does so on systems without ambient capabilities
	// ("!!"). At most one of Privileged, NoSetuid and Ambient may be set.
	NoSetuid, Ambient bool

	// NoEnvExpand leaves $VARIABLES in Argv as they are (":").
	NoEnvExpand bool
}

// text renders the command in unit file syntax.
func (e Exec) text() string {
	prefix := ""
	for _, p := range []struct {
		set bool
		s   string
	}{
		{e.IgnoreFailure, "-"}, {e.NoEnvExpand, ":"}, {e.Privileged, "+"},
		{e.NoSetuid, "!"}, {e.Ambient, "!!"},
	} {
		if p.set {
			prefix += p.s
		}
	}

	if e.Path != "" && (len(e.Argv) == 0 || e.Path != e.Argv[0]) {
		prefix += "@" + property.QuoteCommand([]string{e.Path}) + " "
		return prefix + property.QuoteAll(e.Argv, "")
	}
	return prefix + property.QuoteCommand(e.Argv)
}

// ExecStartPre runs a command before the service's main command
// (ExecStartPre=). Several ExecStartPre properties run in order; an Exec
// without Argv clears the list. The same holds for the other Exec
// functions.
func ExecStartPre(cmd Exec) Property { return parse("ExecStartPre", cmd.text()) }

// ExecStartPost runs a command after the service has started
// (ExecStartPost=).
func ExecStartPost(cmd Exec) Property { return parse("ExecStartPost", cmd.text()) }

// ExecStop runs a command to stop the service (ExecStop=).
func ExecStop(cmd Exec) Property { return parse("ExecStop", cmd.text()) }

// ExecStopPost runs a command after the service has stopped
// (ExecStopPost=).
func ExecStopPost(cmd Exec) Property { return parse("ExecStopPost", cmd.text()) }
