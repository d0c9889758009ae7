package watch_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
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

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// watchUnits opens a Watcher for the length of the test.
func watchUnits(tb testing.TB, m *manager.Manager, opts *watch.Options) *watch.Watcher {
	tb.Helper()

	w, err := watch.Open(testContext(tb), m, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, w.Close()) })
	return w
}

// next returns the next event, failing the test if none comes in time.
func next(tb testing.TB, w *watch.Watcher) watch.Event {
	tb.Helper()

	select {
	case e, ok := <-w.Events():
		require.True(tb, ok, "events closed: %v", w.Err())
		return e
	case <-time.After(60 * time.Second):
		tb.Fatal("no event within a minute")
	}
	return nil
}

// await reads events until one satisfies match, and returns it with the
// events read before it.
func await(tb testing.TB, w *watch.Watcher, match func(watch.Event) bool) (watch.Event, []watch.Event) {
	tb.Helper()

	var seen []watch.Event
	for {
		e := next(tb, w)
		if match(e) {
			return e, seen
		}
		seen = append(seen, e)
	}
}

// reaches matches an event that gives the unit that ActiveState. Not only
// Changed does: systemd unloads an inactive unit, and a unit loaded again
// is reported as Added, with the state it has by then.
func reaches(name string, state string) func(watch.Event) bool {
	return func(e watch.Event) bool {
		s, ok := stateOf(e, name)
		return ok && string(s.ActiveState) == state
	}
}

// initial reads the Initial Resync, which every Watcher sends first.
func initial(tb testing.TB, w *watch.Watcher) watch.Resync {
	tb.Helper()

	r, ok := next(tb, w).(watch.Resync)
	require.True(tb, ok, "the first event is a Resync")
	require.Equal(tb, watch.Initial, r.Reason)
	return r
}

// finished waits for the job that a StartUnit or StopUnit call returned,
// which must succeed, and returns it: finished(t)(m.StartUnit(ctx, name, "")).
func finished(tb testing.TB) func(*unit.Job, error) *unit.Job {
	tb.Helper()

	return func(job *unit.Job, err error) *unit.Job {
		tb.Helper()

		require.NoError(tb, err)
		require.NoError(tb, job.Wait(testContext(tb)))
		return job
	}
}
