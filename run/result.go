package run

import (
	"fmt"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/unit"
)

// Result is what a finished transient unit reports, the facts systemd-run
// --wait prints: how its main process ended, how long it ran and what it
// used.
type Result struct {
	// Unit is the unit's name, such as "run-gostemd-1f3a….service".
	Unit string

	// InvocationID identifies the run in the journal (_SYSTEMD_INVOCATION_ID).
	InvocationID unit.InvocationID

	// MainPID is the PID the main process had, 0 if it never started.
	MainPID int

	// UnitResult is systemd's verdict on the run: "success", "exit-code",
	// "signal", "core-dump", "oom-kill", "timeout" and so on. It can fail a
	// run whose main process exited 0, as "oom-kill" does when another
	// process of the unit was killed.
	UnitResult unit.Result

	// Code says whether the main process exited or was killed, and Status
	// is its exit status or the signal that killed it.
	Code   unit.ExitCode
	Status int

	// Runtime is how long the unit was out of the inactive state.
	Runtime time.Duration

	// Usage is what the unit used over its run. Fields are nil where
	// systemd does not count: accounting is off for the unit, or the
	// controller is missing (systemd 252 has no MemoryPeak, and newer
	// versions count it on cgroup v2 only; IO counters need cgroup v2's io
	// controller). MemoryCurrent and TasksCurrent are nil once the unit
	// has stopped.
	Usage unit.Accounting
}

// Success reports whether the run succeeded: systemd counts it as a success
// and the main process ran and exited. systemd also counts an end by
// SIGTERM, SIGINT, SIGHUP or SIGPIPE as clean for a service; os/exec, which
// Wait follows, does not. Exit statuses that SuccessExitStatus= declares
// successful are successes. A unit whose start was cancelled before its
// process ran is not.
func (r *Result) Success() bool {
	return r.UnitResult == unit.ResultSuccess && r.Exited()
}

// Exited reports whether the main process ended by exiting.
func (r *Result) Exited() bool {
	return r.Code == unit.CodeExited
}

// ExitCode returns the main process's exit status, or -1 if it did not exit
// (it was killed by a signal, or never ran), as os.ProcessState.ExitCode
// does.
func (r *Result) ExitCode() int {
	if !r.Exited() {
		return -1
	}
	return r.Status
}

// Signal returns the signal that killed the main process, or 0.
func (r *Result) Signal() syscall.Signal {
	if r.Code != unit.CodeKilled && r.Code != unit.CodeDumped {
		return 0
	}
	return syscall.Signal(r.Status)
}

// CoreDumped reports whether the main process dumped core.
func (r *Result) CoreDumped() bool {
	return r.Code == unit.CodeDumped
}

// String describes the outcome as os.ProcessState does ("exit status 7",
// "signal: terminated"), naming systemd's verdict where the process's own
// end does not explain it.
func (r *Result) String() string {
	var s string
	switch {
	case r.Exited():
		s = fmt.Sprintf("exit status %d", r.Status)
	case r.Signal() != 0:
		s = "signal: " + r.Signal().String()
		if r.CoreDumped() {
			s += " (core dumped)"
		}
	default:
		s = "not run"
	}

	if r.UnitResult != "" && r.UnitResult != unit.ResultSuccess && r.UnitResult != plainResult(r) {
		s += " (unit result: " + r.UnitResult.String() + ")"
	}
	return s
}

// plainResult is the verdict systemd gives when nothing but the main
// process's end decided it.
func plainResult(r *Result) unit.Result {
	switch {
	case r.Exited() && r.Status == 0:
		return unit.ResultSuccess
	case r.Exited():
		return unit.ResultExitCode
	case r.CoreDumped():
		return unit.ResultCoreDump
	case r.Signal() != 0:
		return unit.ResultSignal
	}
	return ""
}

// ExitError is the error of a run that did not succeed (see Result.Success).
type ExitError struct {
	*Result

	// Stderr holds part of the standard error output when Output captured
	// it (Cmd.Stderr was nil): its start and its end, at most 64 KiB.
	Stderr []byte
}

func (e *ExitError) Error() string {
	return e.Result.String()
}
