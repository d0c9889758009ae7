package watch_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
)

// seenPaths counts, by object path, the signals that reach Watchers.
type seenPaths struct {
	mu sync.Mutex
	n  map[dbus.ObjectPath]int
}

func recordPaths(t *testing.T) *seenPaths {
	s := &seenPaths{n: make(map[dbus.ObjectPath]int)}
	watch.DropSignals(t, func(sig *dbus.Signal) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.n[sig.Path]++
		return false
	})
	return s
}

func (s *seenPaths) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[bus.UnitPath(name)]
}

// A Watcher of a few units has the bus send it their signals only: the
// changes of another unit never reach it. One of many units receives those
// of every unit, which shows that the other unit's changes were signalled.
func TestIntegrationOwnRules(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	watched, other := "gostemd-watch-own.service", "gostemd-watch-other.service"
	testbed.WriteUnit(t, watched, sleeper)
	testbed.WriteUnit(t, other, sleeper)

	many := []string{watched}
	for i := range 40 {
		many = append(many, fmt.Sprintf("gostemd-watch-many-%d.service", i))
	}
	for _, tt := range []struct {
		name       string
		units      []string
		seesOthers bool
	}{
		{"one unit", []string{watched}, false},
		{"41 units", many, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen := recordPaths(t)
			w := watchUnits(t, m, &watch.Options{Units: tt.units})
			initial(t, w)

			cycle(t, m, other, 2)
			finished(t)(m.StartUnit(ctx, watched, ""))
			_, _ = await(t, w, reaches(watched, "active"))
			finished(t)(m.StopUnit(ctx, watched, ""))
			_, _ = await(t, w, reaches(watched, "inactive"))

			// The other unit's changes came before the watched one's start,
			// so whatever of them reached the Watcher was handled by now.
			assert.Positive(t, seen.count(watched))
			if tt.seesOthers {
				assert.Positive(t, seen.count(other), "one rule for all units")
			} else {
				assert.Zero(t, seen.count(other), "signals of a unit nobody watches")
			}
		})
	}
}

// A unit watched under an alias signals its changes from the object of its
// primary name; the Watcher still sees them.
func TestIntegrationOwnRulesAlias(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name, alias := "gostemd-watch-aliased.service", "gostemd-watch-alias.service"
	testbed.WriteUnit(t, name, sleeper)
	testbed.LinkUnit(t, alias, filepath.Join(testbed.UnitDir, name))
	finished(t)(m.StartUnit(ctx, name, ""))

	w := watchUnits(t, m, &watch.Options{Units: []string{alias}})
	require.Equal(t, unit.Active, initial(t, w).States[0].ActiveState)

	finished(t)(m.StopUnit(ctx, name, ""))
	e, _ := await(t, w, reaches(alias, "inactive"))
	assert.IsType(t, watch.Changed{}, e, "the change itself, not only the unit's unloading")
}

// A connection has room for 512 match rules. Watchers of one unit fill it,
// one rule each besides the Manager's one that they share. A Watcher of ten
// units that then finds room for fewer than ten rules takes one rule for
// all units instead, and still follows its units.
func TestIntegrationOwnRulesWhenFull(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	// The unit files come first: each makes systemd reload and announce
	// every unit again, to each of the hundreds of Watchers below.
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("gostemd-watch-ten-%d.service", i)
		testbed.WriteUnit(t, names[i], sleeper)
	}

	var fill []*watch.Watcher
	t.Cleanup(func() {
		for _, w := range fill {
			w.Close()
		}
	})
	for i := 0; ; i++ {
		require.Less(t, i, 600, "the connection took more rules than dbus-daemon allows")
		w, err := watch.Units(ctx, m, fmt.Sprintf("gostemd-watch-fill-%d.service", i))
		if errors.Is(err, gostemd.ErrLimitsExceeded) {
			break
		}
		require.NoError(t, err, "watcher %d", i)
		fill = append(fill, w)
	}
	for _, w := range fill[len(fill)-3:] {
		require.NoError(t, w.Close())
	}
	fill = fill[:len(fill)-3]

	var w *watch.Watcher
	require.Eventually(t, func() bool {
		var err error
		w, err = watch.Units(ctx, m, names...)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "room for one rule, not ten")
	t.Cleanup(func() { w.Close() })
	initial(t, w)

	finished(t)(m.StartUnit(ctx, names[3], ""))
	e, _ := await(t, w, reaches(names[3], "active"))
	assert.IsType(t, watch.Changed{}, e)
}

// Over systemd's private socket, where no bus daemon filters, a Watcher of
// one unit still follows it.
func TestIntegrationPrivateSocket(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m, err := manager.Connect(ctx, &manager.Options{Private: true})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	name := "gostemd-watch-private.service"
	testbed.WriteUnit(t, name, sleeper)

	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	initial(t, w)
	finished(t)(m.StartUnit(ctx, name, ""))
	e, _ := await(t, w, reaches(name, "active"))
	assert.IsType(t, watch.Changed{}, e)

	finished(t)(m.StopUnit(ctx, name, ""))
	_, _ = await(t, w, reaches(name, "inactive"))
}

// A Watcher of a few units that shares its connection with a subscription
// to every signal systemd sends, so that the connection receives them all,
// is still handed only the signals about its units and about reloads: not
// another unit's changes, nor what a daemon-reload says of every unit.
func TestIntegrationOwnSignalsOnly(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	watched, other := "gostemd-watch-mine.service", "gostemd-watch-theirs.service"
	testbed.WriteUnit(t, watched, sleeper)
	testbed.WriteUnit(t, other, sleeper)

	var (
		mu      sync.Mutex
		handled []*dbus.Signal
	)
	watch.DropSignals(t, func(sig *dbus.Signal) bool {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, sig)
		return false
	})
	everything, err := client.OfManager(m).Conn.Subscribe(ctx, bus.Match{PathNamespace: bus.ManagerPath})
	require.NoError(t, err)
	t.Cleanup(everything.Close)
	received := 0
	go func() {
		for range everything.Events() {
			mu.Lock()
			received++
			mu.Unlock()
		}
	}()

	w := watchUnits(t, m, &watch.Options{Units: []string{watched}})
	initial(t, w)
	cycle(t, m, other, 2)
	testbed.Systemctl(t, "daemon-reload")
	cycle(t, m, watched, 1)
	await(t, w, func(e watch.Event) bool { return e == watch.Removed{Unit: watched} })

	mu.Lock()
	defer mu.Unlock()
	path := bus.UnitPath(watched)
	for _, sig := range handled {
		ok := sig.Path == path || sig.Name == bus.ManagerInterface+"."+bus.Reloading ||
			mentions(sig.Body, watched, path)
		assert.True(t, ok, "a signal about something else reached the Watcher: %s %s %v",
			sig.Path, sig.Name, sig.Body)
	}
	assert.NotEmpty(t, handled)
	assert.Greater(t, received, 2*len(handled), "the connection received every unit's signals")
}
