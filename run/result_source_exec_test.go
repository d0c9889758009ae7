package run_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// TestIntegrationResultFromSignalsMatchesShow checks the result Wait takes
// from systemd's PropertiesChanged signals, plus the counters it reads,
// against what systemctl show reads from the same unit, kept loaded after
// its failure.
func TestIntegrationResultFromSignalsMatchesShow(t *testing.T) {
	testbed.Require(t)
	sources := run.RecordResultSources(t)

	for _, shared := range []bool{false, true} {
		t.Run("Conn="+strconv.FormatBool(shared), func(t *testing.T) {
			cmd := run.Command("sh", "-c", "exit 7")
			cmd.KeepFailed = true
			cmd.Properties = []run.Property{run.IPAccounting(true)}
			if shared {
				cmd.Conn = connectRun(t)
			}
			err := cmd.Run()
			require.Error(t, err)
			name := cmd.Result.Unit
			defer testbed.Systemctl(t, "reset-failed", name)

			assertResultIsShown(t, cmd.Result, name)
		})
	}
	assert.Equal(t, []bool{true, true}, sources(), "results taken from the signals")
}

func assertResultIsShown(t *testing.T, res *run.Result, name string) {
	show := func(p string) string { return testbed.Show(t, name, p) }

	assert.Equal(t, show("ExecMainPID"), strconv.Itoa(res.MainPID))
	assert.Equal(t, show("ExecMainCode"), strconv.Itoa(int(res.Code)))
	assert.Equal(t, show("ExecMainStatus"), strconv.Itoa(res.Status))
	assert.Equal(t, show("Result"), string(res.UnitResult))
	assert.Equal(t, show("InvocationID"), res.InvocationID.String())

	enter, err := strconv.ParseUint(show("InactiveEnterTimestampMonotonic"), 10, 64)
	require.NoError(t, err)
	exit, err := strconv.ParseUint(show("InactiveExitTimestampMonotonic"), 10, 64)
	require.NoError(t, err)
	assert.Equal(t, time.Duration(enter-exit)*time.Microsecond, res.Runtime)

	require.NotNil(t, res.Usage.IPIngressBytes, "IP counters not read")
	assert.Equal(t, show("IPIngressBytes"), strconv.FormatUint(*res.Usage.IPIngressBytes, 10))
	require.NotNil(t, res.Usage.IPEgressBytes)
	assert.Equal(t, show("IPEgressBytes"), strconv.FormatUint(*res.Usage.IPEgressBytes, 10))
}

// TestIntegrationCmdNoUsage checks that NoUsage leaves the counters out and
// the rest of the result in, on a Conn given and on the default one.
func TestIntegrationCmdNoUsage(t *testing.T) {
	testbed.Require(t)

	for _, shared := range []bool{false, true} {
		t.Run("Conn="+strconv.FormatBool(shared), func(t *testing.T) {
			cmd := run.Command("sh", "-c", "exit 5")
			cmd.NoUsage = true
			cmd.Properties = []run.Property{run.IPAccounting(true)}
			if shared {
				cmd.Conn = connectRun(t)
			}

			ee := exitError(t, cmd)
			assert.Equal(t, 5, ee.ExitCode())
			assert.NotZero(t, cmd.Result.MainPID)
			assert.False(t, cmd.Result.InvocationID.IsZero())
			assert.Nil(t, cmd.Result.Usage.IPIngressBytes, "IP accounting is on, but not read")
			assert.Nil(t, cmd.Result.Usage.IPEgressBytes)
			testbed.AwaitShow(t, cmd.Result.Unit, "LoadState", "not-found")
		})
	}
}
