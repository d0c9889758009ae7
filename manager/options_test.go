package manager

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
)

func TestOptionsChooseTheAddress(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/test/system")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/test/user")

	defaultAddr := "unix:path=/test/system"
	if os.Geteuid() != 0 {
		defaultAddr = "unix:path=/test/user"
	}

	tests := []struct {
		name string
		opts *Options
		want bus.Options
	}{
		{"nil", nil, bus.Options{Address: defaultAddr}},
		{"default", &Options{}, bus.Options{Address: defaultAddr}},
		{"system", &Options{Scope: System}, bus.Options{Address: "unix:path=/test/system"}},
		{"user", &Options{Scope: User}, bus.Options{Address: "unix:path=/test/user"}},
		{"private", &Options{Private: true}, bus.Options{Address: bus.PrivateAddress, Peer: true}},
		{
			"explicit address wins",
			&Options{Scope: User, Private: true, Address: "unix:path=/x", Peer: true},
			bus.Options{Address: "unix:path=/x", Peer: true},
		},
		{
			"interactive authorization",
			&Options{Scope: System, InteractiveAuthorization: true},
			bus.Options{Address: "unix:path=/test/system", InteractiveAuthorization: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.opts.busOptions()
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestOptionsUserBusUnknown(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", "")

	_, err := (&Options{Scope: User}).busOptions()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "XDG_RUNTIME_DIR")
}

func TestScopeString(t *testing.T) {
	for scope, want := range map[Scope]string{
		Default: "default", System: "system", User: "user", Scope(9): "Scope(9)",
	} {
		assert.Equal(t, want, scope.String())
	}
}
