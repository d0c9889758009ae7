package manager_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
)

func TestMain(m *testing.M) {
	testbed.Main(m)
}

// connect connects to the system manager for the length of the test.
func connect(tb testing.TB, opts *manager.Options) *manager.Manager {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	m, err := manager.Connect(ctx, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, m.Close()) })
	return m
}

func testContext(tb testing.TB) context.Context {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}
