package bus

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// A subscription with rules of its own has the bus daemon hold exactly
// those, also on the connection that replaces a lost one, and has them
// removed when it closes. It receives what its match selects among the
// signals they bring: the watched unit's, not the other's.
func TestIntegrationSubscribeRules(t *testing.T) {
	ctx, c := dialForTest(t)
	base := matchRules(t, c)

	watched, other := "gostemd-rules-watched.service", "gostemd-rules-other.service"
	for _, name := range []string{watched, other} {
		testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
	}
	rules := []Match{
		{Path: ManagerPath, Interface: ManagerInterface},
		{Path: UnitPath(watched), Interface: PropertiesInterface, Member: PropertiesChanged},
	}
	s, err := c.SubscribeRules(ctx, Match{PathNamespace: ManagerPath, ManagerSubscribe: true}, rules)
	require.NoError(t, err)
	assert.Equal(t, base+2, matchRules(t, c))

	dropConnection(t, c, s)
	assert.Equal(t, base+2, matchRules(t, c), "the rules on the new connection")

	for _, name := range []string{other, watched} {
		out, err := exec.Command("systemctl", "start", name).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	awaitUnitActive(t, s, watched, other)

	s.Close()
	assert.Eventually(t, func() bool { return matchRules(t, c) == base },
		10*time.Second, 50*time.Millisecond, "the rules are removed")
}

// awaitUnitActive reads s until the unit name is active, failing at a
// PropertiesChanged of the unit other.
func awaitUnitActive(tb testing.TB, s *Subscription, name, other string) {
	tb.Helper()

	for {
		select {
		case e := <-s.Events():
			if e.Signal == nil || e.Signal.Name != PropertiesInterface+"."+PropertiesChanged {
				continue
			}
			require.NotEqual(tb, UnitPath(other), e.Signal.Path, "a signal no rule selects")
			pc, err := ParsePropertiesChanged(e.Signal)
			require.NoError(tb, err)
			if v, ok := pc.Changed["ActiveState"]; ok && v.Value() == "active" &&
				e.Signal.Path == UnitPath(name) {
				return
			}
		case <-time.After(20 * time.Second):
			tb.Fatalf("%s not active within 20s", name)
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
		{"via and rules", Match{Via: &shared}, []Match{{Path: ManagerPath}}},
		{"rule with via", Match{}, []Match{{Via: &shared}}},
		{"rule with manager subscription", Match{}, []Match{{ManagerSubscribe: true}}},
		{"bad rule", Match{}, []Match{{Interface: "not,valid"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SubscribeRules(t.Context(), tt.m, tt.rules)
			require.Error(t, err)
			assert.ErrorContains(t, err, "subscribe")
		})
	}
}
