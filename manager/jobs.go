package manager

import (
	"context"
	"fmt"

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
