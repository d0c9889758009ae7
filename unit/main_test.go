package unit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func TestMain(m *testing.M) {
	testbed.Main(m)
}

// connect connects to the system manager for the length of the test.
func connect(tb testing.TB) *manager.Manager {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	m, err := manager.Connect(ctx, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, m.Close()) })
	return m
}

func testContext(tb testing.TB) context.Context {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// loadUnit writes a unit file and loads the unit.
func loadUnit(tb testing.TB, m *manager.Manager, name, content string) *unit.Unit {
	tb.Helper()

	testbed.WriteUnit(tb, name, content)
	u, err := m.LoadUnit(testContext(tb), name)
	require.NoError(tb, err)
	return u
}

// run returns a function that waits for a job that must succeed, for use
// as run(t)(u.Start(ctx, "")).
func run(tb testing.TB) func(*unit.Job, error) {
	tb.Helper()

	return func(job *unit.Job, err error) {
		tb.Helper()

		require.NoError(tb, err)
		require.NoError(tb, job.Wait(testContext(tb)))
	}
}
