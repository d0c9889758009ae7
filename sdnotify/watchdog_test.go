package sdnotify

import (
	"context"
	"os"
	"testing"
	"time"

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

func TestParseWatchdog(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    time.Duration
		wantErr string
	}{
		{"unset", nil, 0, ""},
		{"no pid", map[string]string{"WATCHDOG_USEC": "30000000"}, 30 * time.Second, ""},
		{"our pid", map[string]string{"WATCHDOG_USEC": "500", "WATCHDOG_PID": "4242"}, 500 * time.Microsecond, ""},
		{"other pid", map[string]string{"WATCHDOG_USEC": "500", "WATCHDOG_PID": "1"}, 0, ""},
		{"pid without usec", map[string]string{"WATCHDOG_PID": "4242"}, 0, ""},
		{"zero", map[string]string{"WATCHDOG_USEC": "0"}, 0, "WATCHDOG_USEC=\"0\""},
		{"infinity", map[string]string{"WATCHDOG_USEC": "18446744073709551615"}, 0, "positive"},
		{"negative", map[string]string{"WATCHDOG_USEC": "-1"}, 0, "positive"},
		{"text", map[string]string{"WATCHDOG_USEC": "30s"}, 0, "positive"},
		{"too long", map[string]string{"WATCHDOG_USEC": "18446744073709551"}, 0, "too long"},
		{"bad pid", map[string]string{"WATCHDOG_USEC": "500", "WATCHDOG_PID": "me"}, 0, "WATCHDOG_PID=\"me\""},
		{"zero pid", map[string]string{"WATCHDOG_USEC": "500", "WATCHDOG_PID": "0"}, 0, "process ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWatchdog(lookupIn(tt.env), testPID)

			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRunWatchdogPingsAtHalfTheTimeout(t *testing.T) {
	r := listenTemp(t)
	n := fromLookup(lookupIn(map[string]string{
		"NOTIFY_SOCKET": r.addr,
		"WATCHDOG_USEC": "200000",
	}), testPID)
	t.Cleanup(func() { n.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)

	start := time.Now()
	go func() { done <- n.RunWatchdog(ctx) }()
	for range 3 {
		got, _ := r.receive(t)
		assert.Equal(t, "WATCHDOG=1", got)
	}
	elapsed := time.Since(start)
	cancel()

	assert.ErrorIs(t, <-done, context.Canceled)
	assert.GreaterOrEqual(t, elapsed, 190*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
}

func TestRunWatchdogDisabled(t *testing.T) {
	n := fromLookup(lookupIn(map[string]string{"NOTIFY_SOCKET": "/run/x"}), testPID)

	err := n.RunWatchdog(context.Background())

	assert.ErrorIs(t, err, ErrNoWatchdog)
}

func TestRunWatchdogMalformed(t *testing.T) {
	n := fromLookup(lookupIn(map[string]string{"WATCHDOG_USEC": "soon"}), testPID)

	err := n.RunWatchdog(context.Background())

	assert.ErrorContains(t, err, "read watchdog")
}

func TestBooted(t *testing.T) {
	booted, err := Booted()

	require.NoError(t, err)
	_, statErr := lstatRuntimeDir()
	assert.Equal(t, statErr == nil, booted)
}

func lstatRuntimeDir() (bool, error) {
	fi, err := os.Lstat(runtimeUnitDir)
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}
