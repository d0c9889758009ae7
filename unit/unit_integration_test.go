package unit_test

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/unit"
)

func TestIntegrationUnitLifecycle(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	u := loadUnit(t, m, "gostemd-life.service", "[Unit]\nDescription=life cycle\n"+
		"[Service]\nType=exec\nExecStart=/bin/sleep 1000\nExecReload=/bin/true\n")
	assert.Equal(t, "gostemd-life.service", u.Name())

	before := time.Now()
	run(t)(u.Start(ctx, ""))

	props, err := u.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, "gostemd-life.service", props.ID)
	assert.Equal(t, []string{"gostemd-life.service"}, props.Names)
	assert.Equal(t, "life cycle", props.Description)
	assert.Equal(t, unit.LoadLoaded, props.LoadState)
	assert.Equal(t, unit.Active, props.ActiveState)
	assert.Equal(t, "running", props.SubState)
	assert.Equal(t, "/etc/systemd/system/gostemd-life.service", props.FragmentPath)
	assert.Equal(t, unit.FileStatic, props.UnitFile)
	assert.False(t, props.InvocationID.IsZero())
	assert.Nil(t, props.LoadError)
	assert.Zero(t, props.JobID)
	assert.WithinRange(t, props.ActiveEnter, before.Add(-time.Second), time.Now())
	assert.True(t, props.ActiveExit.IsZero(), "never left the active state")
	assert.Contains(t, props.Dependencies.After, "system.slice")
	assert.Empty(t, props.Absent)

	svc, err := u.Service(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.ServiceExec, svc.Type)
	assert.Equal(t, unit.ResultSuccess, svc.Result)
	assert.NotZero(t, svc.MainPID)
	assert.Equal(t, svc.MainPID, svc.ExecMainPID)
	assert.Equal(t, unit.NotExited, svc.ExecMainCode)
	assert.WithinRange(t, svc.ExecMainStart, before.Add(-time.Second), time.Now())
	require.Len(t, svc.ExecStart, 1)
	assert.Equal(t, "/bin/sleep", svc.ExecStart[0].Path)
	assert.Equal(t, []string{"/bin/sleep", "1000"}, svc.ExecStart[0].Argv)
	assert.Equal(t, svc.MainPID, svc.ExecStart[0].PID)
	assert.Equal(t, "system.slice", svc.CGroup.Slice)
	assert.Equal(t, "/system.slice/gostemd-life.service", svc.CGroup.ControlGroup)
	assert.Equal(t, uint64(unit.Infinity), svc.CGroup.MemoryMax)
	assert.Equal(t, 90*time.Second, svc.TimeoutStart)

	procs, err := u.Processes(ctx)
	require.NoError(t, err)
	require.Len(t, procs, 1)
	assert.Equal(t, unit.Process{
		PID: svc.MainPID, Command: "/bin/sleep 1000", CGroup: "/system.slice/gostemd-life.service",
	}, procs[0])

	run(t)(u.Reload(ctx, ""))
	assert.Equal(t, svc.MainPID, mainPID(t, u), "reload keeps the main process")

	steps := []struct {
		name string
		do   func() (*unit.Job, error)
	}{
		{"restart", func() (*unit.Job, error) { return u.Restart(ctx, "") }},
		{"try-restart", func() (*unit.Job, error) { return u.TryRestart(ctx, "") }},
	}
	pid := svc.MainPID
	for _, step := range steps {
		run(t)(step.do())
		next := mainPID(t, u)
		assert.NotEqual(t, pid, next, "%s replaces the main process", step.name)
		pid = next
	}

	run(t)(u.ReloadOrRestart(ctx, unit.ModeFail))
	assert.Equal(t, pid, mainPID(t, u), "reload-or-restart reloads what can reload")

	run(t)(u.Stop(ctx, ""))
	props, err = u.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.Inactive, props.ActiveState)
	// systemd unloads a stopped unit nothing refers to; reading it loads
	// it afresh, without the timestamps of its last run.
	assert.True(t, props.ActiveExit.IsZero())

	job, err := u.TryRestart(ctx, "")
	run(t)(job, err)
	assert.Equal(t, "inactive", testbed.Show(t, u.Name(), "ActiveState"),
		"try-restart leaves a stopped unit alone")
}

func mainPID(tb testing.TB, u *unit.Unit) uint32 {
	tb.Helper()

	v, err := u.Property(testContext(tb), unit.InterfaceService, "MainPID")
	require.NoError(tb, err)
	pid, ok := v.(uint32)
	require.True(tb, ok, "MainPID is %T", v)
	return pid
}

func TestIntegrationProcessesDoubleFork(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	// The subshell forks a sleep and exits, so the sleep is reparented:
	// the classic double fork of a daemon.
	u := loadUnit(t, m, "gostemd-fork.service",
		"[Service]\nExecStart=/bin/sh -c '(/bin/sleep 1002 &); exec /bin/sleep 1001'\n")
	run(t)(u.Start(ctx, ""))

	svc, err := u.Service(ctx)
	require.NoError(t, err)

	var orphan uint32
	require.Eventually(t, func() bool {
		procs, err := u.Processes(ctx)
		require.NoError(t, err)
		for _, p := range procs {
			switch p.Command {
			case "/bin/sleep 1001":
				assert.Equal(t, svc.MainPID, p.PID)
			case "/bin/sleep 1002":
				orphan = p.PID
			}
		}
		return orphan != 0 && len(procs) == 2
	}, 5*time.Second, 20*time.Millisecond)

	ppid := parentOf(t, orphan)
	assert.NotEqual(t, svc.MainPID, ppid, "the orphan's parent is no longer the main process")

	run(t)(u.Stop(ctx, ""))
	require.Eventually(t, func() bool {
		_, err := os.Stat("/proc/" + strconv.Itoa(int(orphan)))
		return os.IsNotExist(err)
	}, 5*time.Second, 20*time.Millisecond, "stop kills the double-forked process")
}

// parentOf reads a process's parent PID from /proc.
func parentOf(tb testing.TB, pid uint32) uint32 {
	tb.Helper()

	stat, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
	require.NoError(tb, err)
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	ppid, err := strconv.ParseUint(fields[1], 10, 32)
	require.NoError(tb, err)
	return uint32(ppid)
}

func TestIntegrationTemplateRollout(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	testbed.WriteUnit(t, "app@.service", "[Unit]\nDescription=app %i\n"+
		"[Service]\nEnvironment=VERSION=%i\nExecStart=/bin/sleep 1000\n")
	t.Cleanup(func() {
		testbed.Systemctl(t, "stop", "app@v1.service", "app@v2.service")
	})

	v1, err := m.LoadUnit(ctx, "app@v1.service")
	require.NoError(t, err)
	v2, err := m.LoadUnit(ctx, "app@v2.service")
	require.NoError(t, err)
	run(t)(v1.Start(ctx, ""))
	run(t)(v2.Start(ctx, ""))

	for _, tt := range []struct {
		u        *unit.Unit
		instance string
	}{{v1, "v1"}, {v2, "v2"}} {
		props, err := tt.u.Properties(ctx)
		require.NoError(t, err)
		assert.Equal(t, "app@"+tt.instance+".service", props.ID)
		assert.Equal(t, "app "+tt.instance, props.Description)
		assert.Equal(t, unit.Active, props.ActiveState)
		assert.Equal(t, "/etc/systemd/system/app@.service", props.FragmentPath)

		svc, err := tt.u.Service(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"VERSION=" + tt.instance}, svc.Exec.Environment)
		assert.Equal(t, "/system.slice/system-app.slice/app@"+tt.instance+".service",
			svc.CGroup.ControlGroup)
	}

	run(t)(v1.Stop(ctx, ""))
	assert.Equal(t, "inactive", testbed.Show(t, "app@v1.service", "ActiveState"))
	assert.Equal(t, "active", testbed.Show(t, "app@v2.service", "ActiveState"))
}

func TestIntegrationKillAndResetFailed(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	u := loadUnit(t, m, "gostemd-kill.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	run(t)(u.Start(ctx, ""))

	require.NoError(t, u.Kill(ctx, unit.KillMain, syscall.SIGKILL))
	var svc *unit.ServiceProperties
	require.Eventually(t, func() bool {
		var err error
		svc, err = u.Service(ctx)
		require.NoError(t, err)
		return svc.MainPID == 0
	}, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, unit.ResultSignal, svc.Result)
	assert.Equal(t, unit.CodeKilled, svc.ExecMainCode)
	assert.Equal(t, int32(syscall.SIGKILL), svc.ExecMainStatus)
	assert.False(t, svc.ExecMainExit.IsZero())
	assert.Equal(t, "failed", testbed.Show(t, u.Name(), "ActiveState"))

	require.NoError(t, u.ResetFailed(ctx))
	assert.Equal(t, "inactive", testbed.Show(t, u.Name(), "ActiveState"))

	err := u.Kill(ctx, unit.KillAll, syscall.SIGTERM)
	require.Error(t, err, "nothing to kill")
	assert.Contains(t, err.Error(), "kill unit gostemd-kill.service")
}

func TestIntegrationSetProperties(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	u := loadUnit(t, m, "gostemd-set.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	run(t)(u.Start(ctx, ""))

	err := u.SetProperties(ctx, &unit.SetOptions{Runtime: true},
		unit.Property{Name: "MemoryMax", Value: uint64(64 << 20)},
		unit.Property{Name: "TasksAccounting", Value: true},
		unit.Property{Name: "CPUQuotaPerSecUSec", Value: 200 * time.Millisecond},
	)
	require.NoError(t, err)
	assert.FileExists(t, "/run/systemd/system.control/gostemd-set.service.d/50-MemoryMax.conf")

	err = u.SetProperties(ctx, nil, unit.Property{Name: "CPUWeight", Value: uint64(42)})
	require.NoError(t, err)
	dropIn := "/etc/systemd/system.control/gostemd-set.service.d/50-CPUWeight.conf"
	assert.FileExists(t, dropIn)
	t.Cleanup(func() {
		os.RemoveAll("/etc/systemd/system.control/gostemd-set.service.d")
		os.RemoveAll("/run/systemd/system.control/gostemd-set.service.d")
	})

	svc, err := u.Service(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(64<<20), svc.CGroup.MemoryMax)
	assert.True(t, svc.CGroup.TasksAccounting)
	assert.Equal(t, uint64(42), svc.CGroup.CPUWeight)
	assert.Equal(t, 200*time.Millisecond, svc.CGroup.CPUQuotaPerSec)
	assert.Equal(t, unit.Forever, svc.RuntimeMax)
	assert.NotNil(t, svc.Accounting.TasksCurrent, "tasks are counted")

	v, err := u.Property(ctx, unit.InterfaceService, "MemoryMax")
	require.NoError(t, err)
	assert.Equal(t, uint64(64<<20), v)

	v, err = u.Property(ctx, unit.InterfaceUnit, "Job")
	require.NoError(t, err)
	assert.Equal(t, []any{uint32(0), "/"}, v, "no job, and the path as a string")

	_, err = u.Property(ctx, unit.InterfaceService, "GostemdNoSuchProperty")
	require.Error(t, err)
	unknown := errors.Is(err, gostemd.ErrUnknownProperty) || errors.Is(err, gostemd.ErrInvalidArgs)
	assert.True(t, unknown, "%v", err)
}

func TestSetPropertiesRejectsUntypedValues(t *testing.T) {
	// These fail before any call, so a nil handle's connection is never used.
	var u unit.Unit

	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"int", 5, "int has no D-Bus size"},
		{"uint", uint(5), "uint has no D-Bus size"},
		{"nil", nil, "no value"},
		{"negative duration", -time.Second, "negative duration"},
		{"channel", make(chan int), "chan int has no D-Bus type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := u.SetProperties(t.Context(), nil, unit.Property{Name: "X", Value: tt.value})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "property X: "+tt.want)
		})
	}
}

func TestIntegrationOtherUnitTypes(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	testbed.WriteUnit(t, "gostemd-tick.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n")
	timer := loadUnit(t, m, "gostemd-tick.timer",
		"[Timer]\nOnCalendar=*-*-* 04:00:00\nOnActiveSec=1h\nAccuracySec=1s\n")
	run(t)(timer.Start(ctx, ""))
	tp, err := timer.Timer(ctx)
	require.NoError(t, err)
	assert.Equal(t, "gostemd-tick.service", tp.Unit)
	assert.Equal(t, time.Second, tp.Accuracy)
	require.Len(t, tp.Calendar, 1)
	assert.Equal(t, "*-*-* 04:00:00", tp.Calendar[0].Expression)
	require.Len(t, tp.Monotonic, 1)
	assert.Equal(t, time.Hour, tp.Monotonic[0].Offset)
	assert.True(t, tp.NextElapse.After(time.Now()))

	path := loadUnit(t, m, "gostemd-tick.path", "[Path]\nPathExists=/run/gostemd-tick\n"+
		"Unit=gostemd-tick.service\n")
	pp, err := path.Path(ctx)
	require.NoError(t, err)
	assert.Equal(t, []unit.WatchPath{{Condition: "PathExists", Path: "/run/gostemd-tick"}}, pp.Paths)

	slice, err := m.Unit(ctx, "system.slice")
	require.NoError(t, err)
	sp, err := slice.Slice(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/system.slice", sp.CGroup.ControlGroup)

	root, err := m.Unit(ctx, "-.mount")
	require.NoError(t, err)
	mp, err := root.Mount(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/", mp.Where)

	socket, err := m.Unit(ctx, "dbus.socket")
	require.NoError(t, err)
	so, err := socket.Socket(ctx)
	require.NoError(t, err)
	assert.Contains(t, so.Listen, unit.Listen{Type: "Stream", Address: "/run/dbus/system_bus_socket"})

	self, err := m.UnitByPID(ctx, uint32(os.Getpid()))
	require.NoError(t, err)
	scope, err := self.Scope(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.ResultSuccess, scope.Result)

	_, err = slice.Service(ctx)
	require.ErrorIs(t, err, gostemd.ErrUnknownInterface, "a slice is no service")
}

func TestIntegrationAbsentProperties(t *testing.T) {
	sys := testbed.Require(t)
	if !strings.HasPrefix(sys.Version, "252") {
		t.Skipf("the absent list below is systemd 252's, not %s's", sys.Version)
	}
	ctx := testContext(t)
	m := connect(t)

	u, err := m.Unit(ctx, "dbus.service")
	require.NoError(t, err)
	svc, err := u.Service(ctx)
	require.NoError(t, err, "a property the running systemd lacks is no error")
	assert.True(t, slices.Contains(svc.Absent, "MemoryPeak"), "absent: %v", svc.Absent)
	assert.Nil(t, svc.Accounting.MemoryPeak)
}

func TestIntegrationPendingJob(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	u := loadUnit(t, m, "gostemd-pending.service",
		"[Service]\nType=oneshot\nExecStart=/bin/sleep 1\n")

	job, err := u.PendingJob(ctx)
	require.NoError(t, err)
	assert.Nil(t, job, "no job yet")

	// Someone else queues the job.
	testbed.Systemctl(t, "start", "--no-block", u.Name())
	job, err = u.PendingJob(ctx)
	require.NoError(t, err)
	require.NotNil(t, job)
	assert.Equal(t, unit.JobStart, job.Type())
	assert.NotZero(t, job.ID())
	require.NoError(t, job.Wait(ctx))
	assert.Equal(t, unit.JobDone, job.Result())
}
