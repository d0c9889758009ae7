package manager_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func TestIntegrationConcurrentJobs(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)

	testbed.WriteUnit(t, "gostemd-ok@.service",
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sleep 0.%i\n")
	testbed.WriteUnit(t, "gostemd-bad@.service",
		"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 0.%i; exit 3'\n")

	const n, failEvery = 100, 5
	names := make([]string, n)
	for i := range names {
		template := "gostemd-ok"
		if i%failEvery == 0 {
			template = "gostemd-bad"
		}
		names[i] = fmt.Sprintf("%s@%02d.service", template, i)
	}
	t.Cleanup(func() {
		testbed.Systemctl(t, append([]string{"stop"}, names...)...)
		testbed.Systemctl(t, "reset-failed", "gostemd-bad@*")
	})

	before := runtime.NumGoroutine()
	m, err := manager.Connect(ctx, nil)
	require.NoError(t, err)

	results := startAll(ctx, m, names, func(m *manager.Manager, name string) (*unit.Job, error) {
		return m.StartUnit(ctx, name, "")
	})
	for i, err := range results {
		if i%failEvery == 0 {
			require.ErrorIs(t, err, unit.ErrJobFailed, names[i])
			assert.ErrorContains(t, err, "unit result: exit-code")
		} else {
			require.NoError(t, err, names[i])
		}
	}

	results = startAll(ctx, m, names, func(m *manager.Manager, name string) (*unit.Job, error) {
		return m.StopUnit(ctx, name, "")
	})
	for i, err := range results {
		require.NoError(t, err, names[i])
	}

	active, err := m.ListUnits(ctx, &manager.ListOptions{
		States: []string{"active"}, Patterns: []string{"gostemd-ok@*"},
	})
	require.NoError(t, err)
	assert.Empty(t, active)

	require.NoError(t, m.Close())
	assertNoGoroutinesLeft(t, before)
}

// startAll queues one job per unit, all at once, and returns each job's
// result.
func startAll(ctx context.Context, m *manager.Manager, names []string,
	queue func(*manager.Manager, string) (*unit.Job, error),
) []error {
	results := make([]error, len(names))

	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			job, err := queue(m, name)
			if err == nil {
				err = job.Wait(ctx)
			}
			results[i] = err
		})
	}
	wg.Wait()
	return results
}

// assertNoGoroutinesLeft waits up to five seconds for the number of
// goroutines to fall back to before. It polls in the test's own goroutine:
// assert.Eventually would count its own.
func assertNoGoroutinesLeft(t *testing.T, before int) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines left after Close, %d before:\n%s", n, before,
			buf[:runtime.Stack(buf, true)])
	}
}

func TestIntegrationJobSurvivesReexec(t *testing.T) {
	testbed.Require(t)

	transports := []struct {
		name string
		opts *manager.Options
	}{
		{"system bus", nil},
		{"private socket", &manager.Options{Private: true}},
	}
	for i, tt := range transports {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			m := connect(t, tt.opts)

			slow := fmt.Sprintf("gostemd-reexec%d.service", i)
			testbed.WriteUnit(t, slow, "[Service]\nType=oneshot\nExecStart=/bin/sleep 2\n")
			job, err := m.StartUnit(ctx, slow, "")
			require.NoError(t, err)

			testbed.Systemctl(t, "daemon-reexec")
			require.NoError(t, job.Wait(ctx))

			// And jobs still work afterwards.
			job, err = m.StopUnit(ctx, slow, "")
			require.NoError(t, err)
			require.NoError(t, job.Wait(ctx))
		})
	}
}

func TestIntegrationCloseEndsWaits(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)

	testbed.WriteUnit(t, "gostemd-outlives.service",
		"[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n")
	m, err := manager.Connect(ctx, nil)
	require.NoError(t, err)
	job, err := m.StartUnit(ctx, "gostemd-outlives.service", "")
	require.NoError(t, err)

	require.NoError(t, m.Close())
	err = job.Wait(ctx)
	require.ErrorIs(t, err, unit.ErrJobLost)
	assert.ErrorContains(t, err, "connection closed")
	require.NoError(t, ctx.Err(), "Wait returned because of Close, not the deadline")
	assert.Equal(t, unit.JobLost, job.Result())

	_, err = m.Version(ctx)
	require.ErrorIs(t, err, gostemd.ErrClosed, "calls after Close fail")
}
