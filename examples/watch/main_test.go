package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

// TestWatchPrintsTheRunInOrder checks that the demo printed the unit's
// life as it happened: not loaded, then Added, its job, its failure with
// the exit status, and Removed, in that order; then the two waits.
func TestWatchPrintsTheRunInOrder(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, runDemo(ctx, &out))
	text := out.String()

	at := -1
	for _, want := range []string{
		"Resync (initial): not loaded",
		"Added: loaded ",
		"JobStarted: job ",
		"JobFinished: job ",
		"Changed ActiveState,SubState,Result,",
		"loaded failed/failed, main process exited, status 3, result exit-code",
		"Removed: systemd unloaded the unit",
		"Wait returned: exit status 3",
		"UntilActive returned:  loaded active/running, main PID ",
		"UntilStopped returned: loaded inactive/dead, main process exited, status 0, result success",
		"Wait returned no error",
	} {
		i := strings.Index(text[max(at, 0):], want)
		require.GreaterOrEqual(t, i, 0, "%q after the text before it in:\n%s", want, text)
		at = max(at, 0) + i
	}
	assert.Equal(t, 1, strings.Count(text, "Added:"), text)
}
