package unit

import (
	"context"
	"fmt"

	"github.com/gostemd/gostemd/internal/bus"
)

// Process is one process in a unit's cgroup.
type Process struct {
	PID uint32

	// Command is the process's command line as systemd read it from
	// /proc, arguments joined by spaces; empty if it could not be read.
	Command string

	// CGroup is the cgroup the process is in, such as
	// "/system.slice/web.service"; a sub-cgroup for processes the unit
	// delegated.
	CGroup string
}

// Processes lists the processes of the unit's cgroup, including those that
// left their parent, such as daemons that double-forked. It is empty for a
// unit that runs no process.
func (u *Unit) Processes(ctx context.Context) ([]Process, error) {
	var raw []bus.UnitProcess
	err := u.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnitProcesses,
		u.name).Store(&raw)
	if err != nil {
		return nil, fmt.Errorf("list processes of unit %s: %w", u.name, err)
	}

	procs := make([]Process, len(raw))
	for i, r := range raw {
		procs[i] = Process{PID: r.PID, Command: r.Command, CGroup: r.CGroup}
	}
	return procs, nil
}
