package run_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/run"
)

// TestScopeRefusesServiceProperties checks that a scope refuses, before
// anything reaches systemd, the properties systemd applies only to the
// processes it starts itself, naming the property.
func TestScopeRefusesServiceProperties(t *testing.T) {
	for _, p := range []run.Property{
		run.PrivateTmp(true),
		run.ProtectSystem(run.ProtectSystemStrict),
		run.Environment("A=1"),
		run.User("nobody"),
		run.Limit(run.ResourceNOFILE, 10, 10),
		run.ExecStartPre(run.Exec{Argv: []string{"true"}}),
	} {
		t.Run(p.Name(), func(t *testing.T) {
			cmd := run.Command("true")
			cmd.Scope = true
			cmd.Properties = []run.Property{run.MemoryMax(10 << 20), p}
			err := cmd.Run()

			require.ErrorIs(t, err, run.ErrNotForScope)
			var pe *run.PropertyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, p.Name(), pe.Name)
			assert.Contains(t, err.Error(), p.String())
			assert.Contains(t, err.Error(), "not for a scope")
		})
	}
}

func TestScopeStartErrors(t *testing.T) {
	cmd := run.Command("true")
	cmd.Scope = true
	cmd.Unit = "thing.service"
	assert.ErrorContains(t, cmd.Run(), "not a scope")

	cmd = run.Command("true")
	cmd.Scope = true
	cmd.PTY = true
	assert.ErrorContains(t, cmd.Run(), "pseudo-terminal")

	cmd = run.Command("true")
	cmd.Scope = true
	cmd.Properties = []run.Property{run.ReadOnlyPaths("relative")}
	assert.ErrorIs(t, cmd.Run(), run.ErrInvalidValue)

	cmd = run.Command("true")
	cmd.Scope = true
	cmd.User = "gostemd-no-such-user"
	assert.ErrorContains(t, cmd.Run(), "look up user gostemd-no-such-user")
}

// TestScopePropertyListIsKnown checks that every property a scope takes
// is one ParseProperty knows.
func TestScopePropertyListIsKnown(t *testing.T) {
	for _, name := range run.ScopePropertyNames() {
		_, err := run.ParseProperty(name + "=")
		assert.NotErrorIs(t, err, run.ErrUnknownProperty, name)
	}
}
