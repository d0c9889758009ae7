package manager_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// BenchmarkIntegrationStartStop measures a start and a stop job, each
// waited for, of a oneshot service that runs nothing.
func BenchmarkIntegrationStartStop(b *testing.B) {
	testbed.Require(b)
	ctx := testContext(b)
	m := connect(b, nil)

	const name = "gostemd-bench.service"
	testbed.WriteUnit(b, name,
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")

	for b.Loop() {
		for _, queue := range []func() error{
			func() error {
				job, err := m.StartUnit(ctx, name, "")
				if err == nil {
					err = job.Wait(ctx)
				}
				return err
			},
			func() error {
				job, err := m.StopUnit(ctx, name, "")
				if err == nil {
					err = job.Wait(ctx)
				}
				return err
			},
		} {
			require.NoError(b, queue())
		}
	}
}
