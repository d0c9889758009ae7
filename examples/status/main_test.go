package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestStatusPrintsLiveValues(t *testing.T) {
	sys := testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))

	assert.Contains(t, out.String(), "systemd "+sys.Version+", system state ")
	assert.Regexp(t, `system state (running|degraded)`, out.String())
	assert.Regexp(t, `dbus\.service +active +running`, out.String())
	assert.Contains(t, out.String(), "started "+demoUnit+": job /org/freedesktop/systemd1/job/")
	assert.Contains(t, out.String(), "job finished: done")
}
