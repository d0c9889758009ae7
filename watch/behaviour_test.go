package watch_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
)

const sleeper = "[Service]\nType=exec\nExecStart=/bin/sleep 1000\n"

// cycle starts and stops the unit n times, waiting for each job.
func cycle(tb testing.TB, m *manager.Manager, name string, n int) {
	tb.Helper()
	ctx := testContext(tb)

	for range n {
		finished(tb)(m.StartUnit(ctx, name, ""))
		finished(tb)(m.StopUnit(ctx, name, ""))
	}
}

// next allowed ActiveStates of a service that is started and stopped.
var transitions = map[unit.ActiveState][]unit.ActiveState{
	unit.Inactive:     {unit.Activating, unit.Active},
	unit.Activating:   {unit.Active, unit.Deactivating, unit.Inactive},
	unit.Active:       {unit.Deactivating, unit.Inactive},
	unit.Deactivating: {unit.Inactive},
}

// progress follows the ActiveState of one unit through a Watcher's events
// and fails the test on a step that a service started and stopped cannot
// take, such as a state going back within one run, unless a Resync said
// that changes were missed.
//
// NB: twice, under the load of a full test run on a fresh machine, the
// Watcher saw a service's next run start right after the previous run's
// active state, with neither its deactivating nor its inactive state in
// between. The cause is not known: systemd may not have sent those
// signals, or they were lost on the way. The Watcher says so with a
// Resync (MissedEnd), which is allowed here and logged, with the signals
// the recorder saw, so that a run shows how often it happens.
type progress struct {
	state unit.ActiveState
	rec   *recorder // has its signals printed after a gap, if set
}

// step records the state an event carries. It tells whether the
// ActiveState changed.
func (p *progress) step(t *testing.T, s watch.State, e watch.Event, also ...unit.ActiveState) bool {
	t.Helper()

	if r, ok := e.(watch.Resync); ok && r.Reason == watch.MissedEnd {
		p.rec.keep()
		t.Logf("the end of a run was not reported: %s, then %#v", p.state, e)
	} else if s.ActiveState != p.state {
		allowed := append(slices.Clone(transitions[p.state]), also...)
		require.Contains(t, allowed, s.ActiveState, "after %s: %#v", p.state, e)
	}

	changed := s.ActiveState != p.state
	p.state = s.ActiveState
	return changed
}

func TestIntegrationOrderPerUnit(t *testing.T) {
	testbed.Require(t)
	m := connect(t)
	name := "gostemd-watch-order.service"
	testbed.WriteUnit(t, name, sleeper)
	rec := record(t, m, name)

	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	p := progress{state: initial(t, w).States[0].ActiveState, rec: rec}
	cycle(t, m, name, 20)

	// Each cycle's two jobs are reported, and the state goes through
	// allowed transitions only, every start included. systemd unloads the
	// stopped unit, so each start loads it anew, and the Added event is
	// one of these transitions.
	jobs, starts := 0, 0
	var seen []watch.Event
	defer func() {
		if t.Failed() {
			for _, e := range seen {
				t.Logf("seen: %#v", e)
			}
		}
	}()
	for jobs < 40 || p.state != unit.Inactive {
		e := next(t, w)
		seen = append(seen, e)
		if f, ok := e.(watch.JobFinished); ok && f.Unit == name {
			jobs++
		}
		if s, ok := stateOf(e, name); ok && p.step(t, s, e) && p.state == unit.Active {
			starts++
		}
	}
	assert.Equal(t, 40, jobs)
	assert.Equal(t, 20, starts)
}

// TestIntegrationSlowAnnouncement has the Watcher read a unit systemd
// announced only after the unit started and stopped, or failed: the start
// must still be reported, in order, not folded into the state the late read
// finds, or lost with a unit unloaded before it.
func TestIntegrationSlowAnnouncement(t *testing.T) {
	testbed.Require(t)
	watch.DelayLoads(t, 500*time.Millisecond)
	m := connect(t)

	for _, tc := range []struct {
		name, unitFile string
		run            func(t *testing.T, name string)
		final          unit.ActiveState
	}{{
		// systemd unloads the stopped unit before the read.
		name:     "gostemd-watch-late-stop.service",
		unitFile: sleeper,
		run:      func(t *testing.T, name string) { cycle(t, m, name, 1) },
		final:    unit.Inactive,
	}, {
		// A failed unit stays loaded: the read finds it failed.
		name:     "gostemd-watch-late-fail.service",
		unitFile: "[Service]\nType=exec\nExecStart=/bin/sh -c 'sleep 0.1; exit 3'\n",
		run: func(t *testing.T, name string) {
			job, err := m.StartUnit(testContext(t), name, "")
			require.NoError(t, err)
			require.NoError(t, job.Wait(testContext(t)))
		},
		final: unit.Failed,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testbed.WriteUnit(t, tc.name, tc.unitFile)
			w := watchUnits(t, m, &watch.Options{Units: []string{tc.name}})
			require.Equal(t, unit.Inactive, initial(t, w).States[0].ActiveState)
			tc.run(t, tc.name)

			states := lateStates(t, w, tc.name, tc.final)
			assert.Contains(t, states, unit.Active)
			assert.Equal(t, tc.final, states[len(states)-1])
		})
	}
}

// TestIntegrationAnnouncedBySignals has a unit start before the Watcher
// asks where it is: the signals then tell its state, so the Watcher must
// read only what they leave out, its Id and LoadState (with InvocationID,
// to tell the run it read), and report the
// changes it held meanwhile with that LoadState, after Added and in order,
// with the job's events among them.
func TestIntegrationAnnouncedBySignals(t *testing.T) {
	testbed.Require(t)
	watch.DelayLoads(t, 300*time.Millisecond)
	gets := watch.CountGets(t)
	m := connect(t)
	name := "gostemd-watch-signalled.service"
	testbed.WriteUnit(t, name, sleeper)
	t.Cleanup(func() { finished(t)(m.StopUnit(testContext(t), name, "")) })

	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	require.False(t, initial(t, w).States[0].Loaded())
	gets.Store(0)
	job := finished(t)(m.StartUnit(testContext(t), name, ""))

	_, events := await(t, w, func(e watch.Event) bool {
		f, ok := e.(watch.JobFinished)
		return ok && f.ID == job.ID()
	})
	require.NotEmpty(t, events)
	added, ok := events[0].(watch.Added)
	require.True(t, ok, "Added comes first: %#v", events)
	assert.Equal(t, unit.LoadLoaded, added.State.LoadState)
	assert.Equal(t, job.ID(), added.State.JobID, "the first change, the job queued, not the read's state: %#v", events)
	assert.Contains(t, events, watch.JobStarted{Unit: name, ID: job.ID()})

	p := progress{state: unit.Inactive}
	for _, e := range events {
		if s, ok := stateOf(e, name); ok {
			assert.Equal(t, unit.LoadLoaded, s.LoadState, "%#v", e)
			p.step(t, s, e)
		}
	}
	assert.Equal(t, unit.Active, p.state)
	assert.EqualValues(t, len([]string{"Id", "LoadState", "InvocationID"}), gets.Load(), "Gets made to read the unit")
}

// TestIntegrationSlowRead has the unit change while the Watcher reads it,
// property by property: when the Watcher starts, and each time systemd
// loads the unit again. What a signal sent during the read says must not
// undo what a later reply told: the state only moves forward.
func TestIntegrationSlowRead(t *testing.T) {
	testbed.Require(t)
	watch.SlowGets(t, 15*time.Millisecond)
	m := connect(t)
	name := "gostemd-watch-slow-read.service"
	testbed.WriteUnit(t, name, sleeper)

	done := make(chan struct{})
	go func() {
		defer close(done)
		cycle(t, m, name, 15)
	}()
	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	p := progress{state: initial(t, w).States[0].ActiveState}
	<-done

	changes := 0
	quiet := time.After(3 * time.Second)
	for {
		select {
		case e := <-w.Events():
			if s, ok := stateOf(e, name); ok && p.step(t, s, e) {
				changes++
			}
		case <-quiet:
			assert.Equal(t, unit.Inactive, p.state)
			assert.Positive(t, changes)
			return
		}
	}
}

// lateStates reads the events of a unit that systemd loaded after the
// Watcher started, until the unit reaches final, and returns the
// ActiveStates it went through. Each must follow from the one before; the
// first comes with the one Added event.
func lateStates(t *testing.T, w *watch.Watcher, name string, final unit.ActiveState) []unit.ActiveState {
	t.Helper()

	var states []unit.ActiveState
	p, added := progress{state: unit.Inactive}, false
	for len(states) < 2 || p.state != final {
		e := next(t, w)
		s, ok := stateOf(e, name)
		if !ok {
			continue
		}
		if a, ok := e.(watch.Added); ok {
			require.False(t, added, "one Added: %#v", e)
			added = true
			assert.Equal(t, unit.LoadLoaded, a.State.LoadState)
		}
		require.True(t, added, "no event before Added: %#v", e)
		if p.step(t, s, e, unit.Failed) {
			states = append(states, p.state)
		}
	}
	return states
}

func TestIntegrationSlowReader(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-slow.service"
	testbed.WriteUnit(t, name, sleeper)

	slow := watchUnits(t, m, &watch.Options{Units: []string{name}, Buffer: 4})
	fast := watchUnits(t, m, &watch.Options{Units: []string{name}})
	initial(t, fast)

	// The slow reader reads nothing while the unit changes; the jobs and
	// the other Watcher go on regardless.
	done := make(chan struct{})
	go func() {
		defer close(done)
		cycle(t, m, name, 10)
	}()
	starts, p := 0, progress{state: unit.Inactive}
	for starts < 10 || p.state != unit.Inactive {
		e := next(t, fast)
		if s, ok := stateOf(e, name); ok && p.step(t, s, e) && p.state == unit.Active {
			starts++
		}
	}
	<-done

	var resync *watch.Resync
	for resync == nil {
		if r, ok := next(t, slow).(watch.Resync); ok && r.Reason == watch.FellBehind {
			resync = &r
		}
	}
	require.Len(t, resync.States, 1)

	// The Resync holds the state the Watcher knew when the reader came
	// back; the Watcher may not have seen the last signals yet, and then
	// sends them after it. With nothing changing any more, the reader ends
	// up at the current state, or next fails for want of events.
	state := resync.States[0].ActiveState
	for state != unit.Inactive {
		if s, ok := stateOf(next(t, slow), name); ok {
			state = s.ActiveState
		}
	}

	finished(t)(m.StartUnit(ctx, name, ""))
	_, _ = await(t, slow, reaches(name, "active"))
}

// stateOf returns the state of the unit an event carries, if it does.
func stateOf(e watch.Event, name string) (watch.State, bool) {
	switch e := e.(type) {
	case watch.Changed:
		return e.State, e.Unit == name
	case watch.Added:
		return e.State, e.Unit == name
	case watch.Removed:
		return watch.State{Unit: name, ActiveState: unit.Inactive}, e.Unit == name
	case watch.Resync:
		for _, s := range e.States {
			if s.Unit == name {
				return s, true
			}
		}
	}
	return watch.State{}, false
}

func TestIntegrationReexec(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-reexec.service"
	testbed.WriteUnit(t, name, sleeper)
	finished(t)(m.StartUnit(ctx, name, ""))

	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	before := initial(t, w).States[0]
	require.Equal(t, unit.Active, before.ActiveState)

	testbed.Systemctl(t, "daemon-reexec")
	e, skipped := await(t, w, func(e watch.Event) bool {
		_, ok := e.(watch.Resync)
		return ok
	})
	r := e.(watch.Resync)
	assert.Contains(t, []watch.Reason{watch.Reexecuted, watch.Reconnected}, r.Reason)
	require.Len(t, r.States, 1)
	assert.Equal(t, before, r.States[0], "the unit went on running")
	for _, e := range skipped {
		assert.NotEqual(t, watch.Removed{Unit: name}, e, "a reexec removes nothing")
	}

	finished(t)(m.StopUnit(ctx, name, ""))
	_, _ = await(t, w, reaches(name, "inactive"))
}

func TestIntegrationDaemonReload(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-reload.service"
	testbed.WriteUnit(t, name, sleeper)
	finished(t)(m.StartUnit(ctx, name, ""))

	w := watchUnits(t, m, nil)
	initial(t, w)
	require.NoError(t, m.Reload(ctx))

	// A unit that appears after the reload marks the end of what the
	// reload sent. It is started, so that systemd keeps it loaded: a unit
	// nothing needs is unloaded at once, and the Watcher may not see it.
	marker := "gostemd-watch-marker.service"
	testbed.WriteUnit(t, marker, sleeper)
	_, err := m.StartUnit(ctx, marker, "")
	require.NoError(t, err)
	_, seen := await(t, w, func(e watch.Event) bool {
		a, ok := e.(watch.Added)
		return ok && a.Unit == marker
	})
	for _, e := range seen {
		if r, ok := e.(watch.Removed); ok {
			assert.NotEqual(t, name, r.Unit, "a reload unloads no running unit")
			assert.NotEqual(t, "dbus.service", r.Unit)
		}
	}
}

func TestIntegrationAll(t *testing.T) {
	testbed.Require(t)
	m := connect(t)
	name := "gostemd-watch-all.service"
	testbed.WriteUnit(t, name, sleeper)

	w := watchUnits(t, m, nil)
	states := initial(t, w).States
	require.NotEmpty(t, states)
	found := false
	for _, s := range states {
		found = found || (s.Unit == "dbus.service" && s.ActiveState == unit.Active)
		assert.True(t, s.Loaded(), "%s", s.Unit)
	}
	assert.True(t, found, "dbus.service is listed as active")

	cycle(t, m, name, 1)
	_, _ = await(t, w, reaches(name, "active"))
	_, _ = await(t, w, reaches(name, "inactive"))
}

func TestIntegrationManyUnits(t *testing.T) {
	testbed.Require(t)
	m := connect(t)

	names := []string{"dbus.service"}
	for i := range 250 {
		names = append(names, fmt.Sprintf("gostemd-watch-none-%d.service", i))
	}
	w := watchUnits(t, m, &watch.Options{Units: names})
	states := initial(t, w).States
	require.Len(t, states, len(names))
	assert.Equal(t, unit.Active, states[0].ActiveState)
	for _, s := range states[1:] {
		assert.False(t, s.Loaded(), "%s", s.Unit)
	}

	// None of them got loaded by being watched.
	out := testbed.Systemctl(t, "list-units", "--all", "--no-legend", "gostemd-watch-none-*")
	assert.Empty(t, out)
}

func TestIntegrationUntil(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-until.service"
	testbed.WriteUnit(t, name, sleeper)
	u, err := m.LoadUnit(ctx, name)
	require.NoError(t, err)

	s, err := watch.UntilStopped(ctx, u)
	require.NoError(t, err)
	assert.Equal(t, unit.Inactive, s.ActiveState)

	started := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		_, err := u.Start(ctx, "")
		started <- err
	}()
	s, err = watch.UntilActive(ctx, u)
	require.NoError(t, err)
	require.NoError(t, <-started)
	assert.Equal(t, unit.Active, s.ActiveState)
	assert.NotZero(t, s.MainPID)

	s, err = watch.Until(ctx, u, func(s watch.State) bool { return s.MainPID != 0 })
	require.NoError(t, err)
	pid := s.MainPID

	go func() { _, _ = u.Stop(ctx, "") }()
	s, err = watch.UntilStopped(ctx, u)
	require.NoError(t, err)
	assert.Equal(t, unit.Inactive, s.ActiveState)
	assert.NotEqual(t, pid, s.MainPID)
}

func TestIntegrationUntilActiveFails(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-fails.service"
	testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nExecStart=/bin/false\n")
	u, err := m.LoadUnit(ctx, name)
	require.NoError(t, err)
	t.Cleanup(func() { _ = u.ResetFailed(ctx) })

	go func() {
		time.Sleep(100 * time.Millisecond)
		_, _ = u.Start(ctx, "")
	}()
	s, err := watch.UntilActive(ctx, u)
	require.ErrorIs(t, err, watch.ErrFailed)
	assert.Equal(t, unit.Failed, s.ActiveState)
	assert.Equal(t, unit.ResultExitCode, s.Result)
}

func TestIntegrationNoGoroutineLeft(t *testing.T) {
	testbed.Require(t)
	m := connect(t)
	warm, err := watch.Units(testContext(t), m, "dbus.service")
	require.NoError(t, err)
	require.NoError(t, warm.Close())
	time.Sleep(time.Second)
	before := runtime.NumGoroutine()

	for range 5 {
		w, err := watch.Units(testContext(t), m, "dbus.service")
		require.NoError(t, err)
		initial(t, w)
		require.NoError(t, w.Close())
		_, open := <-w.Events()
		assert.False(t, open)
		assert.NoError(t, w.Err())
	}

	// Not assert.Eventually: it runs its condition on a goroutine of its
	// own, which the count would include.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestIntegrationManagerClosed(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)

	m, err := manager.Connect(ctx, nil)
	require.NoError(t, err)
	w, err := watch.Units(ctx, m, "dbus.service")
	require.NoError(t, err)
	defer w.Close()

	require.NoError(t, m.Close())
	for range w.Events() {
	}
	assert.Error(t, w.Err())
}

// TestIntegrationShortLivedUnits has systemd load units that have no unit
// file, which it unloads again at once, while a Watcher of all units runs.
// The Watcher must not bring them back by reading them: once the loads
// stop, so do the events about those units.
func TestIntegrationShortLivedUnits(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	w := watchUnits(t, m, nil)
	initial(t, w)

	const prefix = "gostemd-watch-ghost-"
	for i := range 100 {
		_, err := m.LoadUnit(ctx, fmt.Sprintf("%s%d.service", prefix, i))
		require.ErrorIs(t, err, gostemd.ErrNoSuchUnit)
	}

	// Quiet means a second without an event about a ghost.
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for time.Since(last) < time.Second {
		select {
		case e, ok := <-w.Events():
			require.True(t, ok, "events closed: %v", w.Err())
			if name, ok := eventUnit(e); ok && strings.HasPrefix(name, prefix) {
				last = time.Now()
			}
		case <-tick.C:
		case <-deadline:
			t.Fatal("the Watcher keeps reporting units with no unit file after 30s")
		}
	}
}

// eventUnit returns the unit an event is about, if it is about one.
func eventUnit(e watch.Event) (string, bool) {
	switch e := e.(type) {
	case watch.Changed:
		return e.Unit, true
	case watch.Added:
		return e.Unit, true
	case watch.Removed:
		return e.Unit, true
	case watch.JobStarted:
		return e.Unit, true
	case watch.JobFinished:
		return e.Unit, true
	}
	return "", false
}

// TestIntegrationMissedEnd has a Watcher lose the signals of a run's end:
// the change of state to deactivating or inactive, and the unit's removal
// and announcement if systemd unloads it in between. The next run must
// come as a Resync that says so, not as a Changed that hides the gap.
func TestIntegrationMissedEnd(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-missed-end.service"
	testbed.WriteUnit(t, name, sleeper)
	path := bus.UnitPath(name)

	var losing atomic.Bool
	watch.DropSignals(t, func(sig *dbus.Signal) bool {
		return losing.Load() && endOfRun(sig, name, path)
	})
	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	initial(t, w)

	finished(t)(m.StartUnit(ctx, name, ""))
	first, _ := await(t, w, reaches(name, "active"))
	before, _ := stateOf(first, name)

	losing.Store(true)
	cycle(t, m, name, 1)
	finished(t)(m.StartUnit(ctx, name, ""))

	e, skipped := await(t, w, func(e watch.Event) bool {
		r, ok := e.(watch.Resync)
		return ok && r.Reason == watch.MissedEnd
	})
	for _, e := range skipped {
		s, ok := stateOf(e, name)
		if ok {
			assert.Equal(t, before.InvocationID, s.InvocationID, "no new run before the Resync: %#v", e)
		}
	}
	r := e.(watch.Resync)
	require.Len(t, r.States, 1)
	assert.Equal(t, name, r.States[0].Unit)
	assert.NotEqual(t, before.InvocationID, r.States[0].InvocationID)
	assert.Contains(t, []unit.ActiveState{unit.Activating, unit.Active}, r.States[0].ActiveState)
	losing.Store(false)

	_, _ = await(t, w, reaches(name, "active"))
}

// endOfRun tells whether a signal tells of the end of a run of the unit:
// a Unit PropertiesChanged to deactivating or inactive, or the unit's
// UnitRemoved or UnitNew.
func endOfRun(sig *dbus.Signal, name string, path dbus.ObjectPath) bool {
	if sig.Path == path {
		pc, err := bus.ParsePropertiesChanged(sig)
		if err != nil || pc.Interface != bus.UnitInterface {
			return false
		}
		state, _ := pc.Changed["ActiveState"].Value().(string)
		return state == string(unit.Deactivating) || state == string(unit.Inactive)
	}
	return (sig.Name == bus.ManagerInterface+"."+bus.UnitRemoved ||
		sig.Name == bus.ManagerInterface+"."+bus.UnitNew) && mentions(sig.Body, name, path)
}
