package manager_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func TestIntegrationConnectAndProperties(t *testing.T) {
	sys := testbed.Require(t)

	transports := []struct {
		name string
		opts *manager.Options
	}{
		{"default", nil},
		{"system", &manager.Options{Scope: manager.System}},
		{"private socket", &manager.Options{Private: true}},
		{"explicit address", &manager.Options{Address: "unix:path=/run/dbus/system_bus_socket"}},
	}
	for _, tt := range transports {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			m := connect(t, tt.opts)

			version, err := m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, sys.Version, version)

			state, err := m.SystemState(ctx)
			require.NoError(t, err)
			assert.Contains(t, []manager.SystemState{manager.Running, manager.Degraded}, state)

			props, err := m.Properties(ctx)
			require.NoError(t, err)
			assert.Equal(t, version, props.Version)
			assert.Equal(t, 1.0, props.Progress)
			assert.False(t, props.Finish.IsZero(), "boot finish time")
			assert.Empty(t, props.Absent)
		})
	}
}

func TestIntegrationStartStopRestart(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	testbed.WriteUnit(t, "lifecycle.service", "[Service]\nExecStart=/bin/sleep 1000\n")

	job, err := m.StartUnit(ctx, "lifecycle.service", "")
	require.NoError(t, err)
	assert.Equal(t, unit.JobStart, job.Type())
	assert.Equal(t, "lifecycle.service", job.Unit())
	require.NoError(t, job.Wait(ctx))
	assert.Equal(t, unit.JobDone, job.Result())
	assert.NotZero(t, job.ID())
	assert.Equal(t, "active", testbed.Show(t, "lifecycle.service", "ActiveState"))
	first := testbed.Show(t, "lifecycle.service", "MainPID")

	job, err = m.RestartUnit(ctx, "lifecycle.service", unit.ModeFail)
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))
	assert.NotEqual(t, first, testbed.Show(t, "lifecycle.service", "MainPID"))

	job, err = m.StopUnit(ctx, "lifecycle.service", "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))
	assert.Equal(t, "inactive", testbed.Show(t, "lifecycle.service", "ActiveState"))
}

func TestIntegrationUnitLookups(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	testbed.WriteUnit(t, "lookup.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	job, err := m.StartUnit(ctx, "lookup.service", "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))

	u, err := m.Unit(ctx, "lookup.service")
	require.NoError(t, err)
	props, err := u.Properties(ctx)
	require.NoError(t, err)
	svc, err := u.Service(ctx)
	require.NoError(t, err)

	byPID, err := m.UnitByPID(ctx, svc.MainPID)
	require.NoError(t, err)
	assert.Equal(t, "lookup.service", byPID.Name())

	byInvocation, err := m.UnitByInvocationID(ctx, props.InvocationID)
	require.NoError(t, err)
	assert.Equal(t, "lookup.service", byInvocation.Name())

	self, err := m.UnitByPID(ctx, uint32(os.Getpid()))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(self.Name(), ".scope"), self.Name())

	listed, err := m.ListUnits(ctx, &manager.ListOptions{Patterns: []string{"lookup.*"}})
	require.NoError(t, err)
	require.Len(t, listed, 1)
	assert.Equal(t, manager.UnitStatus{
		Name: "lookup.service", Description: "lookup.service", LoadState: unit.LoadLoaded,
		ActiveState: unit.Active, SubState: "running",
	}, listed[0])

	failed, err := m.ListUnits(ctx, &manager.ListOptions{
		States: []string{"failed"}, Patterns: []string{"lookup.*"},
	})
	require.NoError(t, err)
	assert.Empty(t, failed)
}

func TestIntegrationLookupErrors(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"load missing", func() error {
			_, err := m.LoadUnit(ctx, "gostemd-missing.service")
			return err
		}, gostemd.ErrNoSuchUnit},
		{"get missing", func() error {
			_, err := m.Unit(ctx, "gostemd-missing.service")
			return err
		}, gostemd.ErrNoSuchUnit},
		{"start missing", func() error {
			_, err := m.StartUnit(ctx, "gostemd-missing.service", "")
			return err
		}, gostemd.ErrNoSuchUnit},
		{"pid of nobody", func() error {
			_, err := m.UnitByPID(ctx, 1<<30)
			return err
		}, gostemd.ErrNoUnitForPID},
		{"unknown invocation", func() error {
			_, err := m.UnitByInvocationID(ctx, unit.InvocationID{1, 2, 3})
			return err
		}, gostemd.ErrNoUnitForInvocationID},
		{"start with a bad setting", func() error {
			testbed.WriteUnit(t, "gostemd-bad-setting.service", "[Service]\nType=nonsense\n")
			_, err := m.StartUnit(ctx, "gostemd-bad-setting.service", "")
			return err
		}, gostemd.ErrBadUnitSetting},
		{"cancel unknown job", func() error {
			return m.CancelJob(ctx, 1<<30)
		}, gostemd.ErrNoSuchJob},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.want)
		})
	}

	// A D-Bus reply stays reachable.
	_, err := m.StartUnit(ctx, "gostemd-missing.service", "")
	var reply dbus.Error
	require.True(t, errors.As(err, &reply), "errors.As dbus.Error: %v", err)
	assert.Equal(t, "org.freedesktop.systemd1.NoSuchUnit", reply.Name)
}

func TestIntegrationMaskedUnit(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name = "gostemd-masked.service"
	changes, err := m.MaskUnitFiles(ctx, []string{name}, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := m.UnmaskUnitFiles(ctx, []string{name}, nil)
		assert.NoError(t, err)
		assert.NoError(t, m.Reload(ctx))
	})
	require.Len(t, changes, 1)
	assert.Equal(t, manager.FileChange{
		Type: "symlink", Path: filepath.Join(testbed.UnitDir, name), Destination: "/dev/null",
	}, changes[0])
	require.NoError(t, m.Reload(ctx))

	u, err := m.LoadUnit(ctx, name)
	require.NoError(t, err, "a masked unit can be loaded and inspected")
	props, err := u.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.LoadMasked, props.LoadState)

	_, err = u.Start(ctx, "")
	require.ErrorIs(t, err, gostemd.ErrUnitMasked)
	assert.Contains(t, err.Error(), "start unit "+name+": ")
}

func TestIntegrationEnableDisable(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name = "gostemd-enable.service"
	testbed.WriteUnit(t, name,
		"[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n")

	state, err := m.UnitFileState(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, unit.FileDisabled, state)

	changes, err := m.EnableUnitFiles(ctx, []string{name}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = m.DisableUnitFiles(ctx, []string{name}, nil) })
	require.Len(t, changes, 1)
	assert.Equal(t, "symlink", changes[0].Type)
	assert.Equal(t, "/etc/systemd/system/multi-user.target.wants/"+name, changes[0].Path)

	files, err := m.ListUnitFiles(ctx, &manager.ListOptions{Patterns: []string{name}})
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, unit.FileEnabled, files[0].State)

	changes, err = m.DisableUnitFiles(ctx, []string{name}, nil)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	assert.Equal(t, "unlink", changes[0].Type)

	state, err = m.UnitFileState(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, unit.FileDisabled, state)
}

func TestIntegrationJobFailures(t *testing.T) {
	testbed.Require(t)

	tests := []struct {
		name       string
		service    string
		extra      string // a unit the service needs, gostemd-needed.service
		want       error
		result     unit.JobResult
		unitResult unit.Result
	}{
		{
			name:       "exit code",
			service:    "[Service]\nType=oneshot\nExecStart=/bin/false\n",
			want:       unit.ErrJobFailed,
			result:     unit.JobFailed,
			unitResult: unit.ResultExitCode,
		},
		{
			name:       "start timeout",
			service:    "[Service]\nType=oneshot\nExecStart=/bin/sleep 30\nTimeoutStartSec=1\n",
			want:       unit.ErrJobTimeout,
			result:     unit.JobFailed,
			unitResult: unit.ResultTimeout,
		},
		{
			name:    "job timeout",
			service: "[Unit]\nJobTimeoutSec=1\n[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n",
			want:    unit.ErrJobTimeout,
			result:  unit.JobTimeout,
		},
		{
			name: "dependency",
			service: "[Unit]\nRequires=gostemd-needed.service\nAfter=gostemd-needed.service\n" +
				"[Service]\nExecStart=/bin/sleep 30\n",
			extra:  "[Service]\nType=oneshot\nExecStart=/bin/false\n",
			want:   unit.ErrJobDependency,
			result: unit.JobDependency,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			m := connect(t, nil)
			name := fmt.Sprintf("gostemd-fail%d.service", i)
			if tt.extra != "" {
				testbed.WriteUnit(t, "gostemd-needed.service", tt.extra)
			}
			testbed.WriteUnit(t, name, tt.service)

			job, err := m.StartUnit(ctx, name, "")
			require.NoError(t, err)
			err = job.Wait(ctx)
			require.ErrorIs(t, err, tt.want)

			var jobErr *unit.JobError
			require.ErrorAs(t, err, &jobErr)
			assert.Equal(t, tt.result, jobErr.Result)
			assert.Equal(t, tt.unitResult, jobErr.UnitResult)
			assert.Equal(t, name, jobErr.Unit)
			if tt.unitResult != "" {
				assert.Contains(t, err.Error(), string(tt.unitResult))
			}
		})
	}
}

func TestIntegrationListAndCancelJobs(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name = "gostemd-slowstart.service"
	testbed.WriteUnit(t, name, "[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n")

	job, err := m.StartUnit(ctx, name, "")
	require.NoError(t, err)
	assert.Empty(t, job.Result(), "no result while the job runs")

	jobs, err := m.ListJobs(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(jobs, func(j manager.JobStatus) bool { return j.ID == job.ID() })
	require.NotEqual(t, -1, i, "job %d in %v", job.ID(), jobs)
	assert.Equal(t, name, jobs[i].Unit)
	assert.Equal(t, unit.JobStart, jobs[i].Type)
	assert.Contains(t, []string{"waiting", "running"}, jobs[i].State)

	same, err := m.Job(ctx, job.ID())
	require.NoError(t, err)
	assert.Equal(t, job.ID(), same.ID())
	assert.Equal(t, unit.JobStart, same.Type())
	assert.Equal(t, name, same.Unit())

	require.NoError(t, m.CancelJob(ctx, job.ID()))
	for _, j := range []*unit.Job{job, same} {
		err = j.Wait(ctx)
		require.ErrorIs(t, err, unit.ErrJobCanceled)
		assert.Equal(t, unit.JobCanceled, j.Result())
	}

	_, err = m.Job(ctx, job.ID())
	require.ErrorIs(t, err, gostemd.ErrNoSuchJob)

	select {
	case <-job.Done():
	default:
		t.Fatal("Done is not closed after Wait returned")
	}
}

func TestIntegrationWaitLateAndCancelled(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	testbed.WriteUnit(t, "gostemd-late.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n")
	testbed.WriteUnit(t, "gostemd-never.service", "[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n")

	slow, err := m.StartUnit(ctx, "gostemd-never.service", "")
	require.NoError(t, err)

	fast, err := m.StartUnit(ctx, "gostemd-late.service", "")
	require.NoError(t, err)

	// The fast job's result arrives while nobody waits, and the slow job,
	// never waited for, blocks nothing.
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, fast.Wait(ctx))
	require.NoError(t, fast.Wait(ctx), "waiting twice")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = slow.Wait(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, slow.Cancel(ctx))
	require.ErrorIs(t, slow.Wait(ctx), unit.ErrJobCanceled)
}

// TestIntegrationLoadAlias loads a unit by an alias: the handle leads to
// the unit the alias names.
func TestIntegrationLoadAlias(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name, alias = "gostemd-aliased.service", "gostemd-alias.service"
	testbed.WriteUnit(t, name, "[Service]\nExecStart=/bin/sleep 1000\n")
	testbed.LinkUnit(t, alias, filepath.Join(testbed.UnitDir, name))

	u, err := m.LoadUnit(ctx, alias)
	require.NoError(t, err)
	props, err := u.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, name, props.ID)
	assert.Contains(t, props.Names, alias)
	assert.Equal(t, unit.LoadLoaded, props.LoadState)
}

// Show loads a unit that systemd had not loaded and reads it whole; an
// alias leads to the unit it names; a masked unit is read as masked.
func TestIntegrationShow(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name, alias = "gostemd-shown.service", "gostemd-shown-alias.service"
	testbed.WriteUnit(t, name, "[Service]\nExecStart=/bin/sleep 1000\nTimeoutStopSec=7\n")
	testbed.LinkUnit(t, alias, filepath.Join(testbed.UnitDir, name))

	for _, asked := range []string{name, alias} {
		s, err := m.Show(ctx, asked)
		require.NoError(t, err, asked)
		assert.Equal(t, name, s.Unit.ID)
		assert.Contains(t, s.Unit.Names, alias)
		assert.Equal(t, unit.LoadLoaded, s.Unit.LoadState)
		assert.Equal(t, unit.Inactive, s.Unit.ActiveState)
		require.NotNil(t, s.Service, asked)
		assert.Equal(t, 7*time.Second, s.Service.TimeoutStop)
		assert.Equal(t, "/bin/sleep", s.Service.ExecStart[0].Path)
	}

	const masked = "gostemd-shown-masked.service"
	testbed.LinkUnit(t, masked, "/dev/null")
	s, err := m.Show(ctx, masked)
	require.NoError(t, err)
	assert.Equal(t, unit.LoadMasked, s.Unit.LoadState)
}

// Show refuses what LoadUnit refuses, and a name that is no unit name
// before asking systemd.
func TestIntegrationShowErrors(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	_, err := m.Show(ctx, "gostemd-missing.service")
	require.ErrorIs(t, err, gostemd.ErrNoSuchUnit)
	assert.ErrorContains(t, err, "gostemd-missing.service")

	_, err = m.Show(ctx, "gostemd-no-type")
	require.ErrorIs(t, err, unit.ErrInvalidName)

	_, err = m.LoadUnit(ctx, "gostemd-template@.service")
	require.ErrorIs(t, err, gostemd.ErrInvalidArgs, "systemd's answer to LoadUnit")
	_, err = m.Show(ctx, "gostemd-template@.service")
	require.ErrorIs(t, err, gostemd.ErrInvalidArgs)
	assert.ErrorContains(t, err, "template")
}
