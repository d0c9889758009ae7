package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
)

// fakeSub is a subscription whose events the test sends. Like the real
// one, it may be closed while an event is on its way.
type fakeSub struct {
	in, out chan bus.Event
	closed  chan struct{}
	once    sync.Once
}

func newFakeSub() *fakeSub {
	s := &fakeSub{
		in:     make(chan bus.Event),
		out:    make(chan bus.Event),
		closed: make(chan struct{}),
	}
	go s.pump()
	return s
}

func (s *fakeSub) pump() {
	defer close(s.out)

	for {
		select {
		case e := <-s.in:
			select {
			case s.out <- e:
			case <-s.closed:
				return
			}
		case <-s.closed:
			return
		}
	}
}

func (s *fakeSub) Events() <-chan bus.Event { return s.out }

func (s *fakeSub) Close() { s.once.Do(func() { close(s.closed) }) }

// put hands e to the pump, unless the subscription is closed.
func (s *fakeSub) put(e bus.Event) {
	select {
	case s.in <- e:
	case <-s.closed:
	}
}

// fakeClient is a Client whose subscriptions are fakes. gone lists the jobs
// that no longer exist.
type fakeClient struct {
	*Client

	mu   sync.Mutex
	subs []*fakeSub
	gone map[dbus.ObjectPath]bool
}

func newFakeClient() *fakeClient {
	f := &fakeClient{Client: &Client{}, gone: make(map[dbus.ObjectPath]bool)}
	f.jobs.setup = make(chan struct{}, 1)
	f.jobs.subscribe = func(context.Context) (subscription, error) {
		f.mu.Lock()
		defer f.mu.Unlock()

		s := newFakeSub()
		f.subs = append(f.subs, s)
		return s, nil
	}
	f.jobs.gone = func(_ context.Context, path dbus.ObjectPath) bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.gone[path]
	}
	return f
}

// sub returns the current subscription.
func (f *fakeClient) sub(tb testing.TB) *fakeSub {
	tb.Helper()

	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(tb, f.subs)
	return f.subs[len(f.subs)-1]
}

// send delivers an event and waits until the dispatcher has handled it:
// the pump takes the second filler only once the dispatcher took the first,
// which it does after handling e.
func (f *fakeClient) send(tb testing.TB, e bus.Event) {
	tb.Helper()

	s := f.sub(tb)
	s.put(e)
	for range 2 {
		s.put(bus.Event{Signal: &dbus.Signal{Name: "filler"}})
	}
}

func (f *fakeClient) removed(tb testing.TB, path, result string) {
	tb.Helper()

	f.send(tb, bus.Event{Signal: &dbus.Signal{
		Name: bus.ManagerInterface + "." + bus.JobRemoved,
		Body: []any{uint32(1), dbus.ObjectPath(path), "x.service", result},
	}})
}

func (f *fakeClient) watch(tb testing.TB) *Watch {
	tb.Helper()

	w, err := f.WatchJobs(context.Background())
	require.NoError(tb, err)
	return w
}

// subscribed tells whether the tracker holds a subscription.
func (f *fakeClient) subscribed() bool {
	f.jobs.mu.Lock()
	defer f.jobs.mu.Unlock()
	return f.jobs.sub != nil
}

func (f *fakeClient) early() int {
	f.jobs.mu.Lock()
	defer f.jobs.mu.Unlock()
	return len(f.jobs.early)
}

func result(tb testing.TB, w *Waiter) string {
	tb.Helper()

	select {
	case <-w.Done():
		return w.Result()
	case <-time.After(5 * time.Second):
		tb.Fatal("no result")
		return ""
	}
}

func pending(w *Waiter) bool {
	select {
	case <-w.Done():
		return false
	default:
		return true
	}
}

func TestResultBeforeClaim(t *testing.T) {
	f := newFakeClient()
	w := f.watch(t)

	f.removed(t, "/job/1", "done")
	waiter := w.Claim("/job/1")
	assert.Equal(t, "done", result(t, waiter))
	assert.False(t, f.subscribed(), "the last user gives the subscription back")
}

func TestClaimBeforeResult(t *testing.T) {
	f := newFakeClient()
	w := f.watch(t)
	waiter := w.Claim("/job/1")

	f.removed(t, "/job/2", "failed")
	assert.True(t, pending(waiter), "another job's result")
	assert.Zero(t, f.early(), "nobody watches, so nothing is kept")

	f.removed(t, "/job/1", "canceled")
	assert.Equal(t, "canceled", result(t, waiter))
	assert.False(t, f.subscribed())
}

func TestMergedJobs(t *testing.T) {
	tests := []struct {
		name  string
		early bool
	}{
		{"result first", true},
		{"claims first", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient()
			w1, w2 := f.watch(t), f.watch(t)

			if tt.early {
				f.removed(t, "/job/7", "done")
			}
			a, b := w1.Claim("/job/7"), w2.Claim("/job/7")
			if !tt.early {
				f.removed(t, "/job/7", "done")
			}

			assert.Equal(t, "done", result(t, a))
			assert.Equal(t, "done", result(t, b))
			assert.False(t, f.subscribed())
		})
	}
}

func TestEarlyResultsArePruned(t *testing.T) {
	f := newFakeClient()
	old := f.watch(t)
	f.removed(t, "/job/other", "done")
	young := f.watch(t)
	assert.Equal(t, 1, f.early())

	old.Cancel()
	assert.Zero(t, f.early(), "no open watch began before the result")

	waiter := young.Claim("/job/mine")
	f.removed(t, "/job/mine", "done")
	assert.Equal(t, "done", result(t, waiter))
}

func TestResetResolvesVanishedJobs(t *testing.T) {
	f := newFakeClient()
	gone, alive := f.watch(t).Claim("/job/1"), f.watch(t).Claim("/job/2")

	f.mu.Lock()
	f.gone["/job/1"] = true
	f.mu.Unlock()
	f.send(t, bus.Event{Reset: bus.Reconnected})

	assert.Equal(t, Lost, result(t, gone))
	assert.True(t, pending(alive), "a job that still exists is waited for")

	f.removed(t, "/job/2", "done")
	assert.Equal(t, "done", result(t, alive))
}

func TestClosedConnectionEndsWaits(t *testing.T) {
	f := newFakeClient()
	open := f.watch(t)
	waiter := f.watch(t).Claim("/job/1")

	f.sub(t).Close()
	assert.Equal(t, Closed, result(t, waiter))
	assert.Equal(t, Closed, result(t, open.Claim("/job/2")))
}

func TestCancelGivesTheSubscriptionBack(t *testing.T) {
	f := newFakeClient()
	w := f.watch(t)
	require.True(t, f.subscribed())

	w.Cancel()
	w.Cancel()
	assert.False(t, f.subscribed())

	f.watch(t).Cancel()
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Len(t, f.subs, 2, "a new user subscribes again")
}
