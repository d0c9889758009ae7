package activation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPID = 4242

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestParseEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    passed
		wantErr string
	}{
		{"nothing set", nil, passed{}, ""},
		{
			"named",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "web:web:dns"},
			passed{count: 3, names: []string{"web", "web", "dns"}}, "",
		},
		{
			"unnamed",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "2"},
			passed{count: 2, names: []string{"unknown", "unknown"}}, "",
		},
		{
			"empty names kept in place",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "a::c"},
			passed{count: 3, names: []string{"a", "", "c"}}, "",
		},
		{
			"one empty name",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": ""},
			passed{count: 1, names: []string{""}}, "",
		},
		{"other process", map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "1"}, passed{}, ""},
		{"no count", map[string]string{"LISTEN_PID": "4242"}, passed{}, ""},
		{"names without pid", map[string]string{"LISTEN_FDS": "1", "LISTEN_FDNAMES": "x"}, passed{}, ""},
		{"pid not a number", map[string]string{"LISTEN_PID": "me", "LISTEN_FDS": "1"}, passed{}, `LISTEN_PID="me": not a process ID`},
		{"pid zero", map[string]string{"LISTEN_PID": "0", "LISTEN_FDS": "1"}, passed{}, "not a process ID"},
		{"pid negative", map[string]string{"LISTEN_PID": "-4242"}, passed{}, "not a process ID"},
		{"zero fds", map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "0"}, passed{}, `LISTEN_FDS="0": not a positive count`},
		{"negative fds", map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "-1"}, passed{}, "not a positive count"},
		{"fds not a number", map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "two"}, passed{}, "not a positive count"},
		{"fds overflow", map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "2147483646"}, passed{}, "not a positive count"},
		{
			"fewer names than fds",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "a:b"},
			passed{}, "LISTEN_FDNAMES has 2 names for LISTEN_FDS=3 descriptors",
		},
		{
			"more names than fds",
			map[string]string{"LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a:b"},
			passed{}, "LISTEN_FDNAMES has 2 names for LISTEN_FDS=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnv(lookupIn(tt.env), testPID)

			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAdoptWithoutEnvironment(t *testing.T) {
	t.Setenv("LISTEN_PID", "")
	t.Setenv("LISTEN_FDS", "")

	// An empty LISTEN_PID is malformed, not absent.
	_, err := Adopt(nil)
	assert.ErrorContains(t, err, "adopt file descriptors: LISTEN_PID")
}

func TestAdoptUnsetsEvenOnError(t *testing.T) {
	t.Setenv("LISTEN_PID", "x")
	t.Setenv("LISTEN_FDS", "1")
	t.Setenv("LISTEN_FDNAMES", "a")

	_, err := Adopt(&Options{UnsetEnv: true})

	require.Error(t, err)
	for _, name := range []string{envPID, envFDs, envNames, envPIDFDID} {
		_, ok := lookupEnv(name)
		assert.False(t, ok, name)
	}
}
