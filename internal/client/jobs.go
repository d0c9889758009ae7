package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
)

// Outcomes of a wait that has no JobRemoved result to show.
const (
	// Lost says that the job vanished while signals could not be received
	// (a reconnect or daemon-reexec): its result must be inferred from the
	// unit's state.
	Lost = "gostemd-lost"

	// Closed says that the connection was closed before the job ended.
	Closed = "gostemd-closed"
)

// recheckTimeout bounds the calls that look for vanished jobs after a reset.
const recheckTimeout = 10 * time.Second

// tracker routes JobRemoved signals to the goroutines waiting for jobs. One
// subscription serves every job of a Client; it lives while anyone watches
// or waits, and is dropped when nobody does.
//
// A job's path is only known once the call that created it returns, but its
// JobRemoved may be handled before that. So a Watch starts before the call:
// while any Watch is open, results that no waiter claims are kept in early,
// and dropped once they are older than every open Watch.
type tracker struct {
	// subscribe starts receiving JobRemoved signals; gone tells whether a
	// job no longer exists. Tests replace them.
	subscribe func(ctx context.Context) (subscription, error)
	gone      func(ctx context.Context, path dbus.ObjectPath) bool

	// setup is a one-slot semaphore that serialises setting up the
	// subscription; unlike a mutex, waiting for it honours a ctx.
	setup chan struct{}

	mu      sync.Mutex
	sub     subscription
	users   int    // open watches plus waiters
	seq     uint64 // counts watches opened and results handled
	watches map[*Watch]uint64
	waiting map[dbus.ObjectPath][]*Waiter
	early   map[dbus.ObjectPath]earlyResult
}

// subscription is the part of *bus.Subscription the tracker uses.
type subscription interface {
	Events() <-chan bus.Event
	Close()
}

type earlyResult struct {
	result string
	seq    uint64
}

// Watch is open from just before a call that creates a job until the job's
// path is claimed.
type Watch struct {
	t *tracker
}

// Waiter receives the result of one job.
type Waiter struct {
	done   chan struct{}
	result string
}

// Resolved returns a Waiter that already has its result, for a job whose
// end is known without a signal.
func Resolved(result string) *Waiter {
	w := &Waiter{done: make(chan struct{})}
	w.finish(result)
	return w
}

// Done is closed once Result is set.
func (w *Waiter) Done() <-chan struct{} {
	return w.done
}

// Result is the JobRemoved result ("done", "failed", ...), Lost or Closed.
// It is valid once Done is closed.
func (w *Waiter) Result() string {
	return w.result
}

// WatchJobs makes sure JobRemoved signals are received and opens a Watch.
// Call it before the method that creates a job, then Claim or Cancel.
func (c *Client) WatchJobs(ctx context.Context) (*Watch, error) {
	t := &c.jobs
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}

	w := &Watch{t: t}
	t.mu.Lock()
	t.seq++
	if t.watches == nil {
		t.watches = make(map[*Watch]uint64)
	}
	t.watches[w] = t.seq
	t.mu.Unlock()
	return w, nil
}

// acquire counts a user and subscribes if nobody else is subscribed.
func (t *tracker) acquire(ctx context.Context) error {
	select {
	case t.setup <- struct{}{}:
		defer func() { <-t.setup }()
	case <-ctx.Done():
		return fmt.Errorf("watch jobs: %w", ctx.Err())
	}

	t.mu.Lock()
	if t.sub != nil {
		t.users++
		t.mu.Unlock()
		return nil
	}
	t.mu.Unlock()

	sub, err := t.subscribe(ctx)
	if err != nil {
		return fmt.Errorf("watch jobs: %w", err)
	}

	t.mu.Lock()
	t.sub = sub
	t.users++
	t.mu.Unlock()

	go t.dispatch(sub)
	return nil
}

// releaseLocked counts a user less and drops the subscription after the
// last one. t.mu must be held.
func (t *tracker) releaseLocked() {
	t.users--
	if t.users > 0 || t.sub == nil {
		return
	}

	t.sub.Close()
	t.sub = nil
	clear(t.early)
}

// Cancel closes a Watch whose call created no job.
func (w *Watch) Cancel() {
	t := w.t
	t.mu.Lock()
	defer t.mu.Unlock()

	if _, open := t.watches[w]; !open {
		return
	}
	delete(t.watches, w)
	t.pruneLocked()
	t.releaseLocked()
}

// Claim closes the Watch and returns the Waiter for the job at path, which
// the call made under the Watch returned.
func (w *Watch) Claim(path dbus.ObjectPath) *Waiter {
	t := w.t
	waiter := &Waiter{done: make(chan struct{})}

	t.mu.Lock()
	defer t.mu.Unlock()

	delete(t.watches, w)
	if t.sub == nil {
		// The connection was closed under the Watch.
		waiter.finish(Closed)
		t.releaseLocked()
		return waiter
	}
	if e, ok := t.early[path]; ok {
		// The entry stays until pruned: systemd merges identical jobs, so
		// another open Watch may claim the same path.
		waiter.finish(e.result)
		t.pruneLocked()
		t.releaseLocked()
		return waiter
	}

	if t.waiting == nil {
		t.waiting = make(map[dbus.ObjectPath][]*Waiter)
	}
	t.waiting[path] = append(t.waiting[path], waiter)
	t.pruneLocked()
	return waiter
}

func (w *Waiter) finish(result string) {
	w.result = result
	close(w.done)
}

// pruneLocked drops the early results no open Watch can claim: those that
// arrived before the oldest open Watch began. t.mu must be held.
func (t *tracker) pruneLocked() {
	oldest := t.seq + 1
	for _, seq := range t.watches {
		oldest = min(oldest, seq)
	}

	for path, e := range t.early {
		if e.seq < oldest {
			delete(t.early, path)
		}
	}
}

// dispatch handles the events of one subscription until it is closed.
func (t *tracker) dispatch(sub subscription) {
	for e := range sub.Events() {
		if e.Reset != bus.NoReset {
			t.recheck(sub)
			continue
		}

		s, err := bus.ParseJobRemoved(e.Signal)
		if err == nil {
			t.removed(sub, s.Job, s.Result)
		}
	}
	t.closed(sub)
}

// removed hands a job's result to its waiters, or keeps it for a claim.
func (t *tracker) removed(sub subscription, path dbus.ObjectPath, result string) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.sub != sub {
		return
	}

	t.seq++
	waiters := t.waiting[path]
	delete(t.waiting, path)
	for _, w := range waiters {
		w.finish(result)
	}

	if len(t.watches) > 0 {
		if t.early == nil {
			t.early = make(map[dbus.ObjectPath]earlyResult)
		}
		t.early[path] = earlyResult{result: result, seq: t.seq}
	}

	for range waiters {
		t.releaseLocked()
	}
}

// recheck looks, after signals may have been lost, for awaited jobs that no
// longer exist, and ends their waits with Lost.
func (t *tracker) recheck(sub subscription) {
	t.mu.Lock()
	paths := make([]dbus.ObjectPath, 0, len(t.waiting))
	for path := range t.waiting {
		paths = append(paths, path)
	}
	t.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), recheckTimeout)
	defer cancel()

	for _, path := range paths {
		if t.gone(ctx, path) {
			t.removed(sub, path, Lost)
		}
	}
}

// subscribeJobs receives conn's JobRemoved signals.
func subscribeJobs(ctx context.Context, conn *bus.Conn) (subscription, error) {
	return conn.Subscribe(ctx, bus.Match{
		Path:             bus.ManagerPath,
		Interface:        bus.ManagerInterface,
		Member:           bus.JobRemoved,
		ManagerSubscribe: true,
	})
}

// jobGone tells whether systemd says that the job at path does not exist.
func jobGone(ctx context.Context, conn *bus.Conn, path dbus.ObjectPath) bool {
	_, err := conn.Get(ctx, path, bus.JobInterface, "Id")
	return errors.Is(err, gostemd.ErrUnknownObject) ||
		errors.Is(err, gostemd.ErrUnknownInterface) ||
		errors.Is(err, gostemd.ErrUnknownMethod) ||
		errors.Is(err, gostemd.ErrNoSuchJob)
}

// closed ends every wait when the connection closed under a live
// subscription.
func (t *tracker) closed(sub subscription) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.sub != sub {
		return
	}

	for path, waiters := range t.waiting {
		for _, w := range waiters {
			w.finish(Closed)
		}
		delete(t.waiting, path)
	}
	t.sub = nil
	t.users = len(t.watches)
	clear(t.early)
}
