package watch_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/manager"
)

// recorder keeps a line for every signal about one unit that reaches the
// Manager's connection, beside the Watcher's own subscription, so that a
// failing test can tell what systemd sent from what the Watcher reported.
type recorder struct {
	mu    sync.Mutex
	lines []line
	print bool // print the lines even if the test passes
}

// record starts recording the signals about the unit name and its jobs.
// Its match rules differ from the Watcher's (a Watcher of one unit has
// {Path: the unit's, PropertiesChanged} and {Path: ManagerPath, Manager
// interface}), so that the bus delivers them on their own account, and it
// relies on the Watcher for systemd's manager subscription, so as not to
// keep that in effect by itself.
func record(t *testing.T, m *manager.Manager, name string) *recorder {
	t.Helper()

	r, path := &recorder{}, bus.UnitPath(name)
	for _, match := range []bus.Match{
		{Path: path},
		{PathNamespace: bus.ManagerPath, Interface: bus.ManagerInterface},
	} {
		sub, err := client.OfManager(m).Conn.Subscribe(testContext(t), match)
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.follow(sub, name, path)
		}()
		t.Cleanup(func() {
			sub.Close()
			<-done
		})
	}

	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if t.Failed() || r.print {
			slices.SortFunc(r.lines, func(a, b line) int { return cmp.Compare(a.seq, b.seq) })
			for _, l := range r.lines {
				t.Logf("signal: %d %s", l.seq, l.text)
			}
		}
	})
	return r
}

// keep has the lines printed at the end of the test even if it passes.
func (r *recorder) keep() {
	if r != nil {
		r.mu.Lock()
		r.print = true
		r.mu.Unlock()
	}
}

// follow records the events of sub about the unit name, at path.
func (r *recorder) follow(sub *bus.Subscription, name string, path dbus.ObjectPath) {
	for e := range sub.Events() {
		if text := describe(e, name, path); text != "" {
			var seq dbus.Sequence
			if e.Signal != nil {
				seq = e.Signal.Sequence
			}
			r.mu.Lock()
			r.lines = append(r.lines, line{seq, text})
			r.mu.Unlock()
		}
	}
}

type line struct {
	seq  dbus.Sequence
	text string
}

// describe returns a line for an event about the unit, or "".
func describe(e bus.Event, name string, path dbus.ObjectPath) string {
	if e.Signal == nil {
		return fmt.Sprintf("reset %v mark %v", e.Reset, e.Mark)
	}

	sig := e.Signal
	switch {
	case sig.Path == path:
		pc, err := bus.ParsePropertiesChanged(sig)
		if err != nil {
			return fmt.Sprintf("%s %v", sig.Name, sig.Body)
		}
		var parts []string
		for _, p := range []string{"ActiveState", "SubState", "InvocationID", "Job", "MainPID", "Result"} {
			if v, ok := pc.Changed[p]; ok {
				parts = append(parts, fmt.Sprintf("%s=%v", p, v.Value()))
			}
		}
		return fmt.Sprintf("PropertiesChanged %s %s", pc.Interface, strings.Join(parts, " "))
	case sig.Path == bus.ManagerPath && mentions(sig.Body, name, path):
		return fmt.Sprintf("%s %v", sig.Name, sig.Body)
	}
	return ""
}

func mentions(body []any, name string, path dbus.ObjectPath) bool {
	for _, v := range body {
		if v == name || v == path {
			return true
		}
	}
	return false
}
