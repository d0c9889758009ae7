package manager_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/unit"
)

func TestIntegrationSetUnitProperties(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name = "gostemd-assign.service"
	testbed.WriteUnit(t, name, "[Service]\nExecStart=/bin/sleep 1000\n")
	job, err := m.StartUnit(ctx, name, "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))

	err = m.SetUnitProperties(ctx, name, &unit.SetOptions{Runtime: true},
		"MemoryMax=32M", "CPUQuota=20%", "TasksMax=50", "IOAccounting=yes")
	require.NoError(t, err)

	u, err := m.Unit(ctx, name)
	require.NoError(t, err)
	svc, err := u.Service(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(32<<20), svc.CGroup.MemoryMax)
	assert.Equal(t, 200*time.Millisecond, svc.CGroup.CPUQuotaPerSec)
	assert.Equal(t, uint64(50), svc.CGroup.TasksMax)
	assert.True(t, svc.CGroup.IOAccounting)
	assert.Equal(t, "33554432", testbed.Show(t, name, "MemoryMax"))

	bad := []struct {
		assignment string
		want       string
	}{
		{"MemoryMax=lots", `assignment "MemoryMax=lots"`},
		{"GostemdNoSuchSetting=1", "unknown property"},
		{"MemoryMax", "want name=value"},
	}
	for _, tt := range bad {
		t.Run(tt.assignment, func(t *testing.T) {
			err := m.SetUnitProperties(ctx, name, nil, tt.assignment)
			require.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, "set properties of unit "+name)
		})
	}
}
