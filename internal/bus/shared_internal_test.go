package bus

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

var allUnits = Match{PathNamespace: UnitPathPrefix, Interface: PropertiesInterface,
	Member: PropertiesChanged}

// Subscriptions with the same Via share one match rule, which outlives the
// last of them by shareLinger; each still gets only its own unit's signals.
func TestIntegrationSharedRule(t *testing.T) {
	ctx, c := dialForTest(t)
	jobs, err := c.Subscribe(ctx, Match{Path: ManagerPath, Interface: ManagerInterface,
		Member: JobRemoved, ManagerSubscribe: true})
	require.NoError(t, err)
	defer jobs.Close()
	base := matchRules(t, c)

	names := []string{"gostemd-shared-a.service", "gostemd-shared-b.service"}
	subs := make([]*Subscription, len(names))
	for i, name := range names {
		testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
		subs[i], err = c.Subscribe(ctx, Match{Path: UnitPath(name), Interface: PropertiesInterface,
			Member: PropertiesChanged, Via: &allUnits})
		require.NoError(t, err)
	}
	assert.Equal(t, base+1, matchRules(t, c), "one rule for both subscriptions")

	for _, name := range names {
		out, err := exec.Command("systemctl", "start", name).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	for i, name := range names {
		awaitActive(t, subs[i], UnitPath(name))
		subs[i].Close()
	}

	assert.Equal(t, base+1, matchRules(t, c), "the rule lingers")
	again, err := c.Subscribe(ctx, Match{Path: UnitPath(names[0]), Interface: PropertiesInterface,
		Member: PropertiesChanged, Via: &allUnits})
	require.NoError(t, err)
	assert.Equal(t, base+1, matchRules(t, c), "a new subscription takes the lingering rule")
	again.Close()

	assert.Eventually(t, func() bool { return matchRules(t, c) == base },
		shareLinger+5*time.Second, 100*time.Millisecond, "the rule is removed")
}

// awaitActive reads s until its unit is active, checking that every signal
// is of the unit at path.
func awaitActive(tb testing.TB, s *Subscription, path dbus.ObjectPath) {
	tb.Helper()

	for {
		select {
		case e := <-s.Events():
			require.NotNil(tb, e.Signal, "reset %v", e.Reset)
			require.Equal(tb, path, e.Signal.Path)
			pc, err := ParsePropertiesChanged(e.Signal)
			require.NoError(tb, err)
			if v, ok := pc.Changed["ActiveState"]; ok && v.Value() == "active" {
				return
			}
		case <-time.After(20 * time.Second):
			tb.Fatalf("%s not active within 20s", path)
		}
	}
}

// A subscription with Via survives a new connection to the bus: the shared
// rule is put on the new connection.
func TestIntegrationSharedRuleCallAndReconnect(t *testing.T) {
	ctx, c := dialForTest(t)

	name := "gostemd-shared-call.service"
	testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
	m := Match{Path: UnitPath(name), Interface: PropertiesInterface, Member: PropertiesChanged,
		Via: &allUnits}
	s, err := c.Subscribe(ctx, m)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, c.Call(ctx, ManagerPath, ManagerInterface, "RefUnit", name).Err)
	defer c.Call(ctx, ManagerPath, ManagerInterface, UnrefUnit, name)

	out, err := exec.Command("systemctl", "start", name).CombinedOutput()
	require.NoError(t, err, string(out))
	awaitActive(t, s, UnitPath(name))

	dropConnection(t, c, s)
	// The reference went with the old connection.
	require.NoError(t, c.Call(ctx, ManagerPath, ManagerInterface, "RefUnit", name).Err)
	assert.Equal(t, 1, matchRulesWith(t, c, "path_namespace='"+string(UnitPathPrefix)+"'"))

	out, err = exec.Command("systemctl", "restart", name).CombinedOutput()
	require.NoError(t, err, string(out))
	awaitActive(t, s, UnitPath(name))
}

// dropConnection closes c's connection to the bus, as a dying bus daemon
// would, and reads s until the Reset that follows. Restarting the daemon
// itself would leave the test bed's logind unable to start user managers
// for the tests that follow.
func dropConnection(t *testing.T, c *Conn, s *Subscription) {
	t.Helper()

	c.mu.Lock()
	lost := c.link
	c.mu.Unlock()
	lost.conn.Close()
	for e := range s.Events() {
		if e.Reset != NoReset {
			require.Equal(t, Reconnected, e.Reset)
			return
		}
	}
	t.Fatal("events closed before the reset")
}

// dialForTest connects to the system manager for the length of the test,
// and returns a context that ends with it.
func dialForTest(t *testing.T) (context.Context, *Conn) {
	t.Helper()
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)

	c, err := Dial(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return ctx, c
}

// matchRules asks the bus daemon how many match rules c's connection has.
func matchRules(tb testing.TB, c *Conn) uint32 {
	tb.Helper()

	sys, err := dbus.ConnectSystemBus()
	require.NoError(tb, err)
	defer sys.Close()

	var stats map[string]dbus.Variant
	err = sys.BusObject().Call("org.freedesktop.DBus.Debug.Stats.GetConnectionStats", 0,
		c.uniqueName()).Store(&stats)
	require.NoError(tb, err)
	n, ok := stats["MatchRules"].Value().(uint32)
	require.True(tb, ok, "no MatchRules in %v", stats)
	return n
}

// matchRulesWith counts c's rules that contain part, from the bus daemon's
// GetAllMatchRules.
func matchRulesWith(tb testing.TB, c *Conn, part string) int {
	tb.Helper()

	sys, err := dbus.ConnectSystemBus()
	require.NoError(tb, err)
	defer sys.Close()

	var all map[string][]string
	err = sys.BusObject().Call("org.freedesktop.DBus.Debug.Stats.GetAllMatchRules", 0).Store(&all)
	require.NoError(tb, err)
	n := 0
	for _, rule := range all[c.uniqueName()] {
		if strings.Contains(rule, part) {
			n++
		}
	}
	return n
}
