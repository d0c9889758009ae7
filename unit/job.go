package unit

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
)

// JobType is what a job does to its unit.
type JobType string

// Job types, as systemd names them.
const (
	JobStart           JobType = "start"
	JobStop            JobType = "stop"
	JobReload          JobType = "reload"
	JobRestart         JobType = "restart"
	JobTryRestart      JobType = "try-restart"
	JobReloadOrRestart JobType = "reload-or-restart"
	JobVerifyActive    JobType = "verify-active"
	JobNop             JobType = "nop"
)

func (t JobType) String() string { return string(t) }

// Mode says how a new job treats the jobs already queued, as systemctl's
// --job-mode does. The zero value means ModeReplace.
type Mode string

// Job modes, as systemd names them (see systemctl(1), --job-mode).
const (
	ModeReplace             Mode = "replace"
	ModeFail                Mode = "fail"
	ModeIsolate             Mode = "isolate"
	ModeIgnoreDependencies  Mode = "ignore-dependencies"
	ModeIgnoreRequirements  Mode = "ignore-requirements"
	ModeReplaceIrreversibly Mode = "replace-irreversibly"
	ModeFlush               Mode = "flush"
)

func (m Mode) String() string { return string(m.orDefault()) }

func (m Mode) orDefault() Mode {
	if m == "" {
		return ModeReplace
	}
	return m
}

// JobResult is how a job ended, as systemd's JobRemoved signal says.
type JobResult string

// Job results, as systemd names them.
const (
	JobDone        JobResult = "done"        // the job did what it was asked
	JobCanceled    JobResult = "canceled"    // canceled before it finished
	JobTimeout     JobResult = "timeout"     // JobTimeoutSec= elapsed
	JobFailed      JobResult = "failed"      // the unit failed (see JobError.UnitResult)
	JobDependency  JobResult = "dependency"  // a job it depends on failed
	JobSkipped     JobResult = "skipped"     // nothing to do in the unit's state; no error
	JobInvalid     JobResult = "invalid"     // the job type did not apply
	JobAssert      JobResult = "assert"      // an Assert*= setting failed
	JobUnsupported JobResult = "unsupported" // the unit type cannot do it
	JobCollected   JobResult = "collected"   // garbage-collected first
	JobOnce        JobResult = "once"        // a unit that may only start once

	// JobLost is gostemd's: the job's result could not be received,
	// because the Manager was closed, or because the job ended during a
	// reconnect or daemon-reexec and the unit's state did not tell how.
	JobLost JobResult = "lost"
)

func (r JobResult) String() string { return string(r) }

// Errors a job's Wait returns, one per result other than done and skipped.
// They match with errors.Is; the error itself is a *JobError.
var (
	ErrJobCanceled    = errors.New("job canceled")
	ErrJobTimeout     = errors.New("job timed out")
	ErrJobFailed      = errors.New("job failed")
	ErrJobDependency  = errors.New("job dependency failed")
	ErrJobInvalid     = errors.New("job invalid")
	ErrJobAssert      = errors.New("job assertion failed")
	ErrJobUnsupported = errors.New("job unsupported")
	ErrJobCollected   = errors.New("job collected")
	ErrJobOnce        = errors.New("unit may only start once")
	ErrJobLost        = errors.New("job result lost")
)

var jobErrors = map[JobResult]error{
	JobCanceled:    ErrJobCanceled,
	JobTimeout:     ErrJobTimeout,
	JobFailed:      ErrJobFailed,
	JobDependency:  ErrJobDependency,
	JobInvalid:     ErrJobInvalid,
	JobAssert:      ErrJobAssert,
	JobUnsupported: ErrJobUnsupported,
	JobCollected:   ErrJobCollected,
	JobOnce:        ErrJobOnce,
	JobLost:        ErrJobLost,
}

// JobError is a job that ended with a result other than done.
type JobError struct {
	Unit   string
	Type   JobType
	Result JobResult

	// UnitResult is the unit's own Result property when the job failed,
	// such as "exit-code" or "timeout" for a service; empty otherwise or if
	// it could not be read.
	UnitResult Result
}

func (e *JobError) Error() string {
	msg := fmt.Sprintf("%s job for %s: %s", e.Type, e.Unit, e.Result)
	if e.UnitResult != "" {
		msg += fmt.Sprintf(" (unit result: %s)", e.UnitResult)
	}
	return msg
}

// Is matches the sentinel of the job's result. A job that failed because
// its unit timed out, as a service whose start exceeds TimeoutStartSec=
// does, also matches ErrJobTimeout.
func (e *JobError) Is(target error) bool {
	if target == ErrJobTimeout && e.UnitResult == ResultTimeout {
		return true
	}
	return jobErrors[e.Result] == target
}

// Job is a job systemd queued for a unit: starting it, stopping it and so
// on. Wait tells how it ended. A Job is safe for concurrent use.
type Job struct {
	c      *client.Client
	id     uint32
	path   dbus.ObjectPath
	unit   string
	typ    JobType
	waiter *client.Waiter
}

// ID returns systemd's number for the job, as systemctl list-jobs shows.
func (j *Job) ID() uint32 { return j.id }

// Unit returns the name of the job's unit.
func (j *Job) Unit() string { return j.unit }

// Type returns what the job does.
func (j *Job) Type() JobType { return j.typ }

// Done is closed when the job has ended; Wait then returns at once.
func (j *Job) Done() <-chan struct{} { return j.waiter.Done() }

// Wait waits until the job ends and returns nil if its result is done or
// skipped (which systemctl counts as success too; Result tells them apart),
// or a *JobError matching the result's sentinel (ErrJobFailed,
// ErrJobTimeout, ...). A failed job's error includes the unit's own result.
//
// The result is recorded when it arrives, whether Wait runs or not, so Wait
// may be called late, and more than once. When ctx ends first, Wait returns
// ctx's error and the job goes on.
func (j *Job) Wait(ctx context.Context) error {
	select {
	case <-j.waiter.Done():
	case <-ctx.Done():
		return fmt.Errorf("wait for %s job of %s: %w", j.typ, j.unit, ctx.Err())
	}

	switch r := j.waiter.Result(); r {
	case string(JobDone), string(JobSkipped):
		return nil
	case client.Closed:
		return fmt.Errorf("wait for %s job of %s: connection closed: %w", j.typ, j.unit, ErrJobLost)
	case client.Lost:
		return j.inferResult(ctx)
	default:
		return j.explain(ctx, JobResult(r))
	}
}

// Result returns how the job ended as systemd reported it, or "" while it
// runs. It is JobLost when the result could not be received: the
// connection was closed, or the job ended during a reconnect (Wait then
// infers the outcome from the unit's state).
func (j *Job) Result() JobResult {
	select {
	case <-j.waiter.Done():
	default:
		return ""
	}

	switch r := j.waiter.Result(); r {
	case client.Lost, client.Closed:
		return JobLost
	default:
		return JobResult(r)
	}
}

// explain makes the error of a job that did not end with done.
func (j *Job) explain(ctx context.Context, r JobResult) error {
	e := &JobError{Unit: j.unit, Type: j.typ, Result: r}
	if r == JobFailed {
		e.UnitResult = j.unitResult(ctx)
	}
	return e
}

// unitResult reads the Result property of the job's unit, "" when it has
// none or cannot be read.
func (j *Job) unitResult(ctx context.Context) Result {
	iface, ok := typeInterface(j.unit)
	if !ok {
		return ""
	}

	var p dbus.ObjectPath
	err := j.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, j.unit).Store(&p)
	if err != nil {
		return ""
	}

	v, err := j.c.Conn.Get(ctx, p, iface, "Result")
	if err != nil {
		return ""
	}
	s, _ := v.Value().(string)
	return Result(s)
}

// inferResult decides the result of a job whose JobRemoved signal was lost
// from its unit's state now.
func (j *Job) inferResult(ctx context.Context) error {
	state, err := j.activeState(ctx)
	switch {
	case errors.Is(err, gostemd.ErrNoSuchUnit) && j.typ == JobStop:
		return nil // stopped and unloaded since
	case err != nil:
		return fmt.Errorf("wait for %s job of %s: result lost, and the unit's state unknown: %w",
			j.typ, j.unit, errors.Join(ErrJobLost, err))
	case state == Failed:
		return j.explain(ctx, JobFailed)
	case j.typ == JobStop && state == Inactive:
		return nil
	case j.typ != JobStop && (state == Active || state == Reloading):
		return nil
	}
	return &JobError{Unit: j.unit, Type: j.typ, Result: JobLost}
}

// activeState reads the ActiveState of the job's unit, without loading it.
func (j *Job) activeState(ctx context.Context) (ActiveState, error) {
	var p dbus.ObjectPath
	err := j.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, j.unit).Store(&p)
	if err != nil {
		return "", err
	}

	v, err := j.c.Conn.Get(ctx, p, bus.UnitInterface, "ActiveState")
	if err != nil {
		return "", err
	}
	s, _ := v.Value().(string)
	return ActiveState(s), nil
}

// Cancel asks systemd to cancel the job. Wait then returns ErrJobCanceled,
// unless the job ended first.
func (j *Job) Cancel(ctx context.Context) error {
	err := j.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.CancelJob, j.id).Err
	if err != nil {
		return fmt.Errorf("cancel job %d (%s %s): %w", j.id, j.typ, j.unit, err)
	}
	return nil
}

// startJob calls a manager method that queues a job and returns the job.
// The JobRemoved subscription is in place before the call, so the job's end
// cannot be missed however fast it comes.
func startJob(ctx context.Context, c *client.Client, name string, typ JobType, method string,
	args ...any,
) (*Job, error) {
	w, err := c.WatchJobs(ctx)
	if err != nil {
		return nil, err
	}

	var p dbus.ObjectPath
	err = c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, method, args...).Store(&p)
	if err != nil {
		w.Cancel()
		return nil, err
	}

	id, _ := strconv.ParseUint(path.Base(string(p)), 10, 32)
	return &Job{c: c, id: uint32(id), path: p, unit: name, typ: typ, waiter: w.Claim(p)}, nil
}

// PendingJob returns the job queued for the unit, whoever queued it, so
// that its end can be waited for; nil if the unit has no job.
func (u *Unit) PendingJob(ctx context.Context) (*Job, error) {
	j, err := u.pendingJob(ctx)
	if err != nil {
		return nil, fmt.Errorf("get pending job of unit %s: %w", u.name, err)
	}
	return j, nil
}

func (u *Unit) pendingJob(ctx context.Context) (*Job, error) {
	p, err := u.objectPath(ctx)
	if err != nil {
		return nil, err
	}

	// Watch first: the job may end at any moment from here on.
	w, err := u.c.WatchJobs(ctx)
	if err != nil {
		return nil, err
	}

	var raw jobRaw
	if _, err := u.readJob(ctx, p, &raw); err != nil || raw.Job.ID == 0 {
		w.Cancel()
		return nil, err
	}

	path, _ := raw.Job.Path.(dbus.ObjectPath)
	return &Job{
		c: u.c, id: raw.Job.ID, path: path, unit: u.name,
		typ: u.jobType(ctx, path), waiter: w.Claim(path),
	}, nil
}

// readJob reads a unit's Job property.
func (u *Unit) readJob(ctx context.Context, p dbus.ObjectPath, raw *jobRaw) ([]string, error) {
	v, err := u.c.Conn.Get(ctx, p, bus.UnitInterface, "Job")
	if err != nil {
		return nil, err
	}
	return bus.Decode(map[string]dbus.Variant{"Job": v}, raw)
}

// jobType reads a job's type; "" if the job has already ended.
func (u *Unit) jobType(ctx context.Context, path dbus.ObjectPath) JobType {
	v, err := u.c.Conn.Get(ctx, path, bus.JobInterface, "JobType")
	if err != nil {
		return ""
	}
	s, _ := v.Value().(string)
	return JobType(s)
}
