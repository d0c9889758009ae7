package manager

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// JobStatus is a queued job, as ListJobs returns it.
type JobStatus struct {
	ID    uint32
	Unit  string
	Type  unit.JobType
	State string // "waiting" or "running"
}

// ListJobs lists the jobs in the manager's queue, as systemctl list-jobs
// does.
func (m *Manager) ListJobs(ctx context.Context) ([]JobStatus, error) {
	var raw []bus.JobStatus
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.ListJobs).Store(&raw)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}

	jobs := make([]JobStatus, len(raw))
	for i, r := range raw {
		jobs[i] = JobStatus{ID: r.ID, Unit: r.Unit, Type: unit.JobType(r.Type), State: r.State}
	}
	return jobs, nil
}

// CancelJob cancels a queued job by its ID. A job that no longer exists
// fails with gostemd.ErrNoSuchJob.
func (m *Manager) CancelJob(ctx context.Context, id uint32) error {
	err := m.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.CancelJob, id).Err
	if err != nil {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	return nil
}

// Job returns the queued job with the given ID, as ListJobs lists it, so
// that its end can be waited for. A job that no longer exists fails with
// gostemd.ErrNoSuchJob.
func (m *Manager) Job(ctx context.Context, id uint32) (*unit.Job, error) {
	j, err := m.job(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get job %d: %w", id, err)
	}
	return j, nil
}

func (m *Manager) job(ctx context.Context, id uint32) (*unit.Job, error) {
	var path dbus.ObjectPath
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetJob, id).Store(&path)
	if err != nil {
		return nil, err
	}

	v, err := m.c.Conn.Get(ctx, path, bus.JobInterface, "Unit")
	if err != nil {
		return nil, err
	}

	// Unit is (so): the unit's name and object path.
	fields, _ := v.Value().([]any)
	if len(fields) != 2 {
		return nil, fmt.Errorf("job property Unit is %s, not (so)", v.Signature())
	}
	name, _ := fields[0].(string)
	unitPath, _ := fields[1].(dbus.ObjectPath)

	j, err := newUnit(m, name, unitPath).PendingJob(ctx)
	if err != nil {
		return nil, err
	}
	if j == nil || j.ID() != id {
		return nil, gostemd.ErrNoSuchJob
	}
	return j, nil
}
