package watch

import (
	"context"
	"errors"
	"fmt"

	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/unit"
)

// ErrFailed is returned by UntilActive when the unit fails instead.
var ErrFailed = errors.New("unit failed")

// Until waits until pred holds for the unit's state and returns that
// state. pred sees the state the unit has when the wait starts, then every
// change, in order; changes are watched before the state is read, so none
// is missed in between. After a reconnect it sees the state read afresh.
// When ctx ends first, Until returns the last state seen and ctx's error.
func Until(ctx context.Context, u *unit.Unit, pred func(State) bool) (State, error) {
	c, _ := client.OfUnit(u)
	w, err := open(ctx, c.Conn, &Options{Units: []string{u.Name()}})
	if err != nil {
		return State{}, fmt.Errorf("wait for unit %s: %w", u.Name(), err)
	}
	defer w.Close()

	var last State
	for {
		select {
		case e, ok := <-w.Events():
			if !ok {
				return last, fmt.Errorf("wait for unit %s: %w", u.Name(), w.Err())
			}
			if s, ok := stateIn(e); ok {
				last = s
				if pred(s) {
					return s, nil
				}
			}
		case <-ctx.Done():
			return last, fmt.Errorf("wait for unit %s: %w", u.Name(), ctx.Err())
		}
	}
}

// stateIn returns the state of the one watched unit that e carries.
func stateIn(e Event) (State, bool) {
	switch e := e.(type) {
	case Changed:
		return e.State, true
	case Added:
		return e.State, true
	case Removed:
		return notLoaded(e.Unit), true
	case Resync:
		if len(e.States) == 1 {
			return e.States[0], true
		}
	}
	return State{}, false
}

// UntilActive waits until the unit is active. It fails with ErrFailed when
// the unit enters the failed state after the wait began; a unit that was
// already failed is waited for, as it may be about to restart. A unit that
// nobody starts keeps it waiting until ctx ends.
func UntilActive(ctx context.Context, u *unit.Unit) (State, error) {
	var first *State
	s, err := Until(ctx, u, func(s State) bool {
		if first == nil {
			first = &s
		}
		return s.ActiveState == unit.Active || newlyFailed(*first, s)
	})

	if err == nil && s.ActiveState != unit.Active {
		err = fmt.Errorf("wait for unit %s to be active: %w (result: %s)", u.Name(), ErrFailed, s.Result)
	}
	return s, err
}

// newlyFailed tells whether s is a failure other than the one the wait
// began with.
func newlyFailed(first, s State) bool {
	return s.ActiveState == unit.Failed &&
		(first.ActiveState != unit.Failed || first.InvocationID != s.InvocationID)
}

// UntilStopped waits until the unit is inactive or failed with no job
// pending, as systemd-run --wait does, and returns its state: State.Result
// tells how the run ended. A unit that is not loaded counts as stopped.
func UntilStopped(ctx context.Context, u *unit.Unit) (State, error) {
	return Until(ctx, u, func(s State) bool {
		stopped := s.ActiveState == unit.Inactive || s.ActiveState == unit.Failed
		return stopped && s.JobID == 0
	})
}
