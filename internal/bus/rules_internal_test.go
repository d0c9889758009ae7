package bus

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// Subscriptions with rules of their own have the bus daemon hold exactly
// those, and the rule they share (Via) once, also on the connection that
// replaces a lost one; the rules are removed when they close. Each receives
// what its match selects among the signals the rules bring: its unit's
// changes and the Manager's signals, never another unit's changes.
func TestIntegrationSubscribeRules(t *testing.T) {
	ctx, c := dialForTest(t)
	base := matchRules(t, c)

	watched, second, other := "gostemd-rules-watched.service", "gostemd-rules-second.service",
		"gostemd-rules-other.service"
	for _, name := range []string{watched, second, other} {
		testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
	}
	managerSignals := Match{Path: ManagerPath, Interface: ManagerInterface}
	m := Match{PathNamespace: ManagerPath, ManagerSubscribe: true, Via: &managerSignals}
	subs := map[string]*Subscription{}
	for _, name := range []string{watched, second} {
		s, err := c.SubscribeRules(ctx, m,
			[]Match{{Path: UnitPath(name), Interface: PropertiesInterface, Member: PropertiesChanged}}, nil)
		require.NoError(t, err)
		subs[name] = s
	}
	assert.Equal(t, base+3, matchRules(t, c), "a rule each, and the shared one")

	dropConnection(t, c, subs[watched])
	assert.Equal(t, base+3, matchRules(t, c), "the rules on the new connection")

	for _, name := range []string{other, watched} {
		out, err := exec.Command("systemctl", "start", name).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	awaitJobAndActive(t, subs[watched], watched, other)

	for _, s := range subs {
		s.Close()
	}
	assert.Eventually(t, func() bool { return matchRules(t, c) == base },
		shareLinger+10*time.Second, 50*time.Millisecond, "the rules are removed")
}

// awaitJobAndActive reads s until it has seen the unit name's start job
// end (a Manager signal) and the unit active, failing at a
// PropertiesChanged of the unit other.
func awaitJobAndActive(tb testing.TB, s *Subscription, name, other string) {
	tb.Helper()

	var jobDone, active bool
	for !jobDone || !active {
		select {
		case e := <-s.Events():
			if e.Signal == nil {
				continue
			}
			switch e.Signal.Name {
			case ManagerInterface + "." + JobRemoved:
				jr, err := ParseJobRemoved(e.Signal)
				require.NoError(tb, err)
				jobDone = jobDone || jr.Unit == name
			case PropertiesInterface + "." + PropertiesChanged:
				require.NotEqual(tb, UnitPath(other), e.Signal.Path, "a signal no rule selects")
				pc, err := ParsePropertiesChanged(e.Signal)
				require.NoError(tb, err)
				v, ok := pc.Changed["ActiveState"]
				active = active || ok && v.Value() == "active" && e.Signal.Path == UnitPath(name)
			}
		case <-time.After(20 * time.Second):
			tb.Fatalf("%s: job done %v, active %v within 20s", name, jobDone, active)
		}
	}
}

func TestSubscribeRulesRefusesBadRules(t *testing.T) {
	c := &Conn{}
	shared := Match{PathNamespace: UnitPathPrefix}
	tests := []struct {
		name  string
		m     Match
		rules []Match
	}{
		{"no rule", Match{}, nil},
		{"rule with via", Match{}, []Match{{Via: &shared}}},
		{"rule with manager subscription", Match{}, []Match{{ManagerSubscribe: true}}},
		{"bad rule", Match{}, []Match{{Interface: "not,valid"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SubscribeRules(t.Context(), tt.m, tt.rules, nil)
			require.Error(t, err)
			assert.ErrorContains(t, err, "subscribe")
		})
	}
}
