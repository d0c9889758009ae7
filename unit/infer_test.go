package unit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/internal/testbed"
)

// TestIntegrationLostResultsAreInferred checks how Wait settles a job whose
// JobRemoved signal was lost in a reconnect, from the unit's state.
func TestIntegrationLostResultsAreInferred(t *testing.T) {
	testbed.Require(t)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := bus.Dial(ctx, nil)
	require.NoError(t, err)
	c := client.New(conn)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })

	testbed.WriteUnit(t, "gostemd-lost-ok.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	testbed.WriteUnit(t, "gostemd-lost-bad.service",
		"[Service]\nType=oneshot\nExecStart=/bin/false\n")
	testbed.Systemctl(t, "start", "gostemd-lost-ok.service")
	job, err := startJob(ctx, c, "gostemd-lost-bad.service", JobStart, bus.StartUnit,
		"gostemd-lost-bad.service", "replace")
	require.NoError(t, err)
	require.ErrorIs(t, job.Wait(ctx), ErrJobFailed)

	tests := []struct {
		name   string
		unit   string
		typ    JobType
		want   error
		result Result
	}{
		{"started", "gostemd-lost-ok.service", JobStart, nil, ""},
		{"restarted", "gostemd-lost-ok.service", JobRestart, nil, ""},
		{"failed", "gostemd-lost-bad.service", JobStart, ErrJobFailed, ResultExitCode},
		{"stop of an unloaded unit", "gostemd-lost-never.service", JobStop, nil, ""},
		{"start of an unloaded unit", "gostemd-lost-never.service", JobStart, ErrJobLost, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &Job{c: c, unit: tt.unit, typ: tt.typ, waiter: client.Resolved(client.Lost)}
			assert.Equal(t, JobLost, j.Result())

			err := j.Wait(ctx)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			if tt.result != "" {
				var jobErr *JobError
				require.ErrorAs(t, err, &jobErr)
				assert.Equal(t, tt.result, jobErr.UnitResult)
			}
		})
	}
}
