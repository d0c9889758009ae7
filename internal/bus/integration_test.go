package bus_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) {
	testbed.Main(m)
}

// transport is one way of reaching a manager.
type transport struct {
	name string
	opts *bus.Options
}

// systemTransports reach the system manager.
var systemTransports = []transport{
	{"system bus", nil},
	{"private socket", &bus.Options{Address: bus.PrivateAddress, Peer: true}},
	{"explicit address", &bus.Options{Address: "unix:path=/run/dbus/system_bus_socket"}},
}

// dial connects for the length of the test.
func dial(tb testing.TB, opts *bus.Options) *bus.Conn {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := bus.Dial(ctx, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, c.Close()) })
	return c
}

func testContext(tb testing.TB) context.Context {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

type managerProps struct {
	Version      string `dbus:"Version"`
	SystemState  string `dbus:"SystemState"`
	ControlGroup string `dbus:"ControlGroup"`
	NotInSystemd string `dbus:"GostemdNoSuchProperty"`
}

type unitProps struct {
	ID          string `dbus:"Id"`
	ActiveState string `dbus:"ActiveState"`
	SubState    string `dbus:"SubState"`
	Job         struct {
		ID   uint32
		Path dbus.ObjectPath
	} `dbus:"Job"`
}

func TestIntegrationConnect(t *testing.T) {
	sys := testbed.Require(t)

	for _, tt := range systemTransports {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)
			ctx := testContext(t)

			var props managerProps
			absent, err := c.ReadProperties(ctx, bus.ManagerPath, bus.ManagerInterface, &props)
			require.NoError(t, err)

			assert.Equal(t, []string{"GostemdNoSuchProperty"}, absent)
			assert.Equal(t, sys.Version, props.Version)
			assert.Contains(t, []string{"running", "degraded"}, props.SystemState)
			assert.Equal(t, tt.opts != nil && tt.opts.Peer, c.Peer())
		})
	}
}

func TestIntegrationConnectUserBus(t *testing.T) {
	testbed.Require(t)
	testbed.Systemctl(t, "start", "user@0.service")
	t.Cleanup(func() { testbed.Systemctl(t, "stop", "user@0.service") })

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/0")
	addr, err := bus.UserBusAddress()
	require.NoError(t, err)
	require.Equal(t, "unix:path=/run/user/0/bus", addr)

	awaitSystemdOnBus(t, addr)
	c := dial(t, &bus.Options{Address: addr})
	var props managerProps
	_, err = c.ReadProperties(testContext(t), bus.ManagerPath, bus.ManagerInterface, &props)
	require.NoError(t, err)

	// The user's manager runs inside user@0.service; the system manager's
	// control group is the root.
	assert.Contains(t, props.ControlGroup, "user@0.service")
	assert.NotEmpty(t, props.Version)
}

// awaitSystemdOnBus waits until a manager owns org.freedesktop.systemd1 on
// the bus at addr. A user's manager joins its bus only once the bus daemon,
// started on demand by the first client, is up.
func awaitSystemdOnBus(tb testing.TB, addr string) {
	tb.Helper()
	ctx := testContext(tb)

	conn, err := dbus.Connect(addr)
	require.NoError(tb, err)
	defer conn.Close()
	owners := make(chan *dbus.Signal, 10)
	conn.Signal(owners)
	require.NoError(tb, conn.AddMatchSignalContext(ctx, dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, bus.Service)))

	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0,
		bus.Service).Store(&has)
	require.NoError(tb, err)
	for !has {
		select {
		case sig := <-owners:
			has = len(sig.Body) == 3 && sig.Body[2] != ""
		case <-ctx.Done():
			tb.Fatalf("no manager on %s", addr)
		}
	}
}

func TestIntegrationUnitProperties(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	ctx := testContext(t)

	var path dbus.ObjectPath
	err := c.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnit, "dbus.service").Store(&path)
	require.NoError(t, err)

	var props unitProps
	absent, err := c.ReadProperties(ctx, path, bus.UnitInterface, &props)
	require.NoError(t, err)

	assert.Empty(t, absent)
	assert.Equal(t, "dbus.service", props.ID)
	assert.Equal(t, testbed.Show(t, "dbus.service", "ActiveState"), props.ActiveState)
	assert.Equal(t, testbed.Show(t, "dbus.service", "SubState"), props.SubState)
	assert.Equal(t, dbus.ObjectPath("/"), props.Job.Path, "no job is pending")

	state, err := c.Get(ctx, path, bus.UnitInterface, "ActiveState")
	require.NoError(t, err)
	assert.Equal(t, props.ActiveState, state.Value())
}

func TestIntegrationWrongPropertyType(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)

	var props struct {
		Version uint32 `dbus:"Version"`
	}
	_, err := c.ReadProperties(testContext(t), bus.ManagerPath, bus.ManagerInterface, &props)

	require.Error(t, err)
	assert.Contains(t, err.Error(), `property Version: D-Bus type "s" does not fit Go type uint32`)
	var typeErr *bus.TypeError
	assert.ErrorAs(t, err, &typeErr)
}

func TestIntegrationNoSuchUnit(t *testing.T) {
	testbed.Require(t)

	for _, tt := range systemTransports {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)

			var path dbus.ObjectPath
			err := c.Query(testContext(t), bus.ManagerPath, bus.ManagerInterface, "GetUnit",
				"gostemd-nope.service").Store(&path)

			require.ErrorIs(t, err, gostemd.ErrNoSuchUnit)
			assert.NotErrorIs(t, err, gostemd.ErrLoadFailed)
			assert.Equal(t, "Unit gostemd-nope.service not loaded.", err.Error())

			var dbusErr dbus.Error
			require.ErrorAs(t, err, &dbusErr)
			assert.Equal(t, "org.freedesktop.systemd1.NoSuchUnit", dbusErr.Name)
		})
	}
}

// Errors the bus layer of systemd reports come back as sentinels too.
func TestIntegrationDBusErrors(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	ctx := testContext(t)
	unit := bus.UnitPath("dbus.service")

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"unknown method", c.Call(ctx, bus.ManagerPath, bus.ManagerInterface,
			"GostemdNoSuchMethod").Err, gostemd.ErrUnknownMethod},
		{"unknown property", getErr(c.Get(ctx, unit, bus.ServiceInterface, "GostemdNoSuchProperty")),
			gostemd.ErrUnknownProperty},
		{"read-only property", c.Set(ctx, unit, bus.UnitInterface, "ActiveState", "failed"),
			gostemd.ErrPropertyReadOnly},
		{"invalid arguments", c.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartUnit,
			"dbus.service", "gostemd-no-such-mode").Err, gostemd.ErrInvalidArgs},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.err, tt.want)
			var dbusErr dbus.Error
			require.ErrorAs(t, tt.err, &dbusErr)
			assert.Equal(t, tt.want.(*gostemd.Error).Name(), dbusErr.Name)
		})
	}
}

func getErr(_ dbus.Variant, err error) error {
	return err
}

// systemd must name units' objects exactly as EscapeLabel does.
func TestIntegrationUnitPathsMatchEscaping(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	ctx := testContext(t)

	names := []string{
		"dbus.service", "-.mount", "systemd-journald.service", "user@0.service",
		"0gostemd-digit.service", "gostemd_under_score.service", `gostemd-x\x2dy.service`,
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var path dbus.ObjectPath
			err := c.Call(ctx, bus.ManagerPath, bus.ManagerInterface, "LoadUnit", name).Store(&path)
			require.NoError(t, err)

			assert.Equal(t, bus.UnitPath(name), path)
			assert.Equal(t, name, bus.UnescapeLabel(strings.TrimPrefix(string(path),
				string(bus.UnitPathPrefix)+"/")))
		})
	}
}

const probeUnit = "gostemd-bus-probe.service"

// writeProbe installs a oneshot unit that stays active once started, and
// returns its object path.
func writeProbe(tb testing.TB, c *bus.Conn) dbus.ObjectPath {
	tb.Helper()

	testbed.WriteUnit(tb, probeUnit,
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")

	var path dbus.ObjectPath
	err := c.Call(testContext(tb), bus.ManagerPath, bus.ManagerInterface, "LoadUnit",
		probeUnit).Store(&path)
	require.NoError(tb, err)
	return path
}

// subscribeUnit follows the PropertiesChanged signals of a unit.
func subscribeUnit(tb testing.TB, c *bus.Conn, path dbus.ObjectPath) *bus.Subscription {
	tb.Helper()

	s, err := c.Subscribe(testContext(tb), bus.Match{
		Path:             path,
		Interface:        bus.PropertiesInterface,
		Member:           bus.PropertiesChanged,
		ManagerSubscribe: true,
	})
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	return s
}

// next returns the subscription's next event, failing the test after a
// bounded wait.
func next(tb testing.TB, s *bus.Subscription) bus.Event {
	tb.Helper()

	select {
	case e, ok := <-s.Events():
		require.True(tb, ok, "the subscription ended")
		return e
	case <-time.After(20 * time.Second):
		tb.Fatal("no event within 20s")
		return bus.Event{}
	}
}

// awaitActiveState reads events until the unit's ActiveState changes to
// want, and returns the resets seen on the way.
func awaitActiveState(tb testing.TB, s *bus.Subscription, want string) []bus.ResetReason {
	tb.Helper()

	var resets []bus.ResetReason
	for {
		e := next(tb, s)
		if e.Reset != bus.NoReset {
			resets = append(resets, e.Reset)
			continue
		}
		if activeState(e.Signal) == want {
			return resets
		}
	}
}

// activeState extracts ActiveState from a unit's PropertiesChanged signal.
func activeState(sig *dbus.Signal) string {
	changed, err := bus.ParsePropertiesChanged(sig)
	if err != nil || changed.Interface != bus.UnitInterface {
		return ""
	}
	state, _ := changed.Changed["ActiveState"].Value().(string)
	return state
}

// awaitReset reads events until a reset and returns its reason.
func awaitReset(tb testing.TB, s *bus.Subscription) bus.ResetReason {
	tb.Helper()

	for {
		if e := next(tb, s); e.Reset != bus.NoReset {
			return e.Reset
		}
	}
}

func startUnit(tb testing.TB, c *bus.Conn, name string) dbus.ObjectPath {
	tb.Helper()

	var job dbus.ObjectPath
	err := c.Call(testContext(tb), bus.ManagerPath, bus.ManagerInterface, "StartUnit",
		name, "replace").Store(&job)
	require.NoError(tb, err)
	return job
}

func TestIntegrationSignals(t *testing.T) {
	testbed.Require(t)

	for _, tt := range systemTransports[:2] {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)
			path := writeProbe(t, c)
			unit := subscribeUnit(t, c, path)

			jobs, err := c.Subscribe(testContext(t), bus.Match{
				Path: bus.ManagerPath, Interface: bus.ManagerInterface,
				Member: bus.JobRemoved, ManagerSubscribe: true,
			})
			require.NoError(t, err)
			defer jobs.Close()

			job := startUnit(t, c, probeUnit)

			resets := awaitActiveState(t, unit, "active")
			assert.Empty(t, resets)
			assertJobRemoved(t, jobs, job, probeUnit, "done")
		})
	}
}

// assertJobRemoved waits for the JobRemoved signal of job.
func assertJobRemoved(tb testing.TB, s *bus.Subscription, job dbus.ObjectPath,
	unit, result string,
) {
	tb.Helper()

	for {
		e := next(tb, s)
		require.NotNil(tb, e.Signal)
		removed, err := bus.ParseJobRemoved(e.Signal)
		require.NoError(tb, err)
		if removed.Job == job {
			assert.Equal(tb, unit, removed.Unit)
			assert.Equal(tb, result, removed.Result)
			return
		}
	}
}

// A subscriber that never reads delays nobody and loses nothing.
func TestIntegrationSlowSubscriber(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	writeProbe(t, c)
	match := bus.Match{
		Path: bus.ManagerPath, Interface: bus.ManagerInterface,
		Member: bus.JobRemoved, ManagerSubscribe: true,
	}

	slow, err := c.Subscribe(testContext(t), match)
	require.NoError(t, err)
	defer slow.Close()
	fast, err := c.Subscribe(testContext(t), match)
	require.NoError(t, err)
	defer fast.Close()

	const cycles = 25
	var jobs []dbus.ObjectPath
	for range cycles {
		for _, method := range []string{"StartUnit", "StopUnit"} {
			var job dbus.ObjectPath
			err := c.Call(testContext(t), bus.ManagerPath, bus.ManagerInterface, method,
				probeUnit, "replace").Store(&job)
			require.NoError(t, err)
			assertJobRemoved(t, fast, job, probeUnit, "done")
			jobs = append(jobs, job)
		}
	}

	for _, job := range jobs {
		assertJobRemoved(t, slow, job, probeUnit, "done")
	}
}

// unitOwner returns the unique name that owns systemd's name on the system
// bus.
func unitOwner(tb testing.TB) string {
	tb.Helper()

	conn, err := dbus.ConnectSystemBus()
	require.NoError(tb, err)
	defer conn.Close()

	var owner string
	err = conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, bus.Service).Store(&owner)
	require.NoError(tb, err)
	return owner
}

func TestIntegrationReexecOverPrivateSocket(t *testing.T) {
	testbed.Require(t)
	c := dial(t, &bus.Options{Address: bus.PrivateAddress, Peer: true})
	path := writeProbe(t, c)
	unit := subscribeUnit(t, c, path)

	testbed.Systemctl(t, "daemon-reexec")

	require.Equal(t, bus.Reconnected, awaitReset(t, unit))
	startUnit(t, c, probeUnit)
	assert.Empty(t, awaitActiveState(t, unit, "active"))
}

func TestIntegrationReexecOverSystemBus(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	path := writeProbe(t, c)
	unit := subscribeUnit(t, c, path)
	before := unitOwner(t)

	testbed.Systemctl(t, "daemon-reexec")

	require.Equal(t, bus.OwnerChanged, awaitReset(t, unit))
	assert.NotEqual(t, before, unitOwner(t))
	startUnit(t, c, probeUnit)
	assert.Empty(t, awaitActiveState(t, unit, "active"))
}

// A call that may have changed something is not repeated when the
// connection drops under it; a call made meanwhile waits for the new
// connection.
func TestIntegrationCallsAcrossReexec(t *testing.T) {
	sys := testbed.Require(t)

	for _, tt := range systemTransports[:2] {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)
			ctx := testContext(t)

			// systemd answers Reexecute by going away, not with a reply.
			err := c.Call(ctx, bus.ManagerPath, bus.ManagerInterface, "Reexecute").Err
			require.Error(t, err)
			if c.Peer() {
				assert.ErrorIs(t, err, gostemd.ErrDisconnected)
			} else {
				assert.ErrorIs(t, err, gostemd.ErrNoReply)
			}

			version, err := c.Get(ctx, bus.ManagerPath, bus.ManagerInterface, "Version")
			require.NoError(t, err)
			assert.Equal(t, sys.Version, version.Value())
		})
	}
}

// Reads in flight while systemd re-executes are sent again and succeed.
func TestIntegrationReadsSurviveReexec(t *testing.T) {
	sys := testbed.Require(t)

	for _, tt := range systemTransports[:2] {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)
			ctx := testContext(t)
			stop := make(chan struct{})
			result := make(chan error, 1)

			go func() {
				result <- readVersionUntil(ctx, c, sys.Version, stop)
			}()
			for range 3 {
				testbed.Systemctl(t, "daemon-reexec")
			}
			close(stop)

			require.NoError(t, <-result)
		})
	}
}

// readVersionUntil reads the manager's version in a loop until stop, and
// fails at the first error or surprise.
func readVersionUntil(ctx context.Context, c *bus.Conn, want string, stop <-chan struct{}) error {
	for n := 0; ; n++ {
		select {
		case <-stop:
			if n == 0 {
				return errors.New("no read finished")
			}
			return nil
		default:
		}

		v, err := c.Get(ctx, bus.ManagerPath, bus.ManagerInterface, "Version")
		if err != nil {
			return fmt.Errorf("read %d: %w", n, err)
		}
		if v.Value() != want {
			return fmt.Errorf("read %d: version %v, want %s", n, v.Value(), want)
		}
	}
}

func TestIntegrationCloseEndsEverything(t *testing.T) {
	testbed.Require(t)
	before := runtime.NumGoroutine()

	c, err := bus.Dial(testContext(t), nil)
	require.NoError(t, err)
	subs := make([]*bus.Subscription, 3)
	for i := range subs {
		subs[i], err = c.Subscribe(testContext(t), bus.Match{
			PathNamespace: bus.UnitPathPrefix, ManagerSubscribe: i == 0,
		})
		require.NoError(t, err)
	}
	subs[1].Close()

	require.NoError(t, c.Close())

	for _, s := range subs {
		_, open := <-s.Events()
		assert.False(t, open, "Events is closed")
	}
	assert.ErrorIs(t, c.Call(testContext(t), bus.ManagerPath, bus.ManagerInterface,
		"GetUnit", "dbus.service").Err, gostemd.ErrClosed)
	_, err = c.Subscribe(testContext(t), bus.Match{})
	assert.ErrorIs(t, err, gostemd.ErrClosed)
	assertGoroutinesBack(t, before)
}

// assertGoroutinesBack waits, within a bound, for the number of goroutines
// to drop back to before. godbus's own goroutines end shortly after Close.
func assertGoroutinesBack(tb testing.TB, before int) {
	tb.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}

	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		tb.Fatalf("%d goroutines left over:\n%s", n-before, buf[:runtime.Stack(buf, true)])
	}
}

func TestIntegrationDialErrors(t *testing.T) {
	testbed.Require(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := bus.Dial(ctx, &bus.Options{Address: "unix:path=/nonexistent/bus"})

	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "connect to unix:path=/nonexistent/bus: "),
		err.Error())
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}

func TestIntegrationListUnits(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)

	var units []bus.UnitStatus
	err := c.Query(testContext(t), bus.ManagerPath, bus.ManagerInterface, bus.ListUnitsByNames,
		[]string{"dbus.service", "-.mount"}).Store(&units)
	require.NoError(t, err)

	require.Len(t, units, 2)
	assert.Equal(t, "dbus.service", units[0].Name)
	assert.Equal(t, bus.UnitPath("dbus.service"), units[0].Path)
	assert.Equal(t, "loaded", units[0].LoadState)
	assert.Equal(t, testbed.Show(t, "dbus.service", "ActiveState"), units[0].ActiveState)
	assert.Equal(t, "-.mount", units[1].Name)
	assert.Equal(t, dbus.ObjectPath("/"), units[1].JobPath)
}

// A transient service built from the wire structs runs, and its ExecStart
// reads back in the richer form.
func TestIntegrationTransientUnitWireTypes(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	ctx := testContext(t)
	const name = "gostemd-bus-transient.service"
	t.Cleanup(func() { _ = exec.Command("systemctl", "stop", name).Run() })

	jobs, err := c.Subscribe(ctx, bus.Match{
		Path: bus.ManagerPath, Interface: bus.ManagerInterface,
		Member: bus.JobRemoved, ManagerSubscribe: true,
	})
	require.NoError(t, err)
	defer jobs.Close()

	props := []bus.Property{
		{Name: "Description", Value: dbus.MakeVariant("gostemd wire test")},
		{Name: "Type", Value: dbus.MakeVariant("oneshot")},
		{Name: "RemainAfterExit", Value: dbus.MakeVariant(true)},
		{Name: "ExecStart", Value: dbus.MakeVariant([]bus.ExecStart{
			{Path: "/bin/sh", Argv: []string{"sh", "-c", "exit 0"}},
		})},
	}
	var job dbus.ObjectPath
	err = c.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
		name, "replace", props, []bus.AuxUnit{}).Store(&job)
	require.NoError(t, err)
	assertJobRemoved(t, jobs, job, name, "done")

	var service struct {
		ExecStart []bus.ExecCommand `dbus:"ExecStart"`
		Result    string            `dbus:"Result"`
	}
	_, err = c.ReadProperties(ctx, bus.UnitPath(name), bus.ServiceInterface, &service)
	require.NoError(t, err)
	require.Len(t, service.ExecStart, 1)
	assert.Equal(t, []string{"sh", "-c", "exit 0"}, service.ExecStart[0].Argv)
	assert.Equal(t, int32(1), service.ExecStart[0].Code, "exited")
	assert.Equal(t, int32(0), service.ExecStart[0].Status)
	assert.NotZero(t, service.ExecStart[0].PID)
	assert.Equal(t, "success", service.Result)
}

// A restarted bus daemon drops every client. This test runs last: systemd
// itself has to find its way back onto the new bus.
func TestIntegrationBusDaemonRestart(t *testing.T) {
	testbed.Require(t)
	c := dial(t, nil)
	path := writeProbe(t, c)
	unit := subscribeUnit(t, c, path)

	testbed.Systemctl(t, "restart", "dbus.service")

	require.Equal(t, bus.Reconnected, awaitReset(t, unit))
	startUnit(t, c, probeUnit)
	assert.Empty(t, awaitActiveState(t, unit, "active"))
}

// TestIntegrationSend checks calls sent together: each gets its own reply,
// errors included, and a call on a closed connection fails with ErrClosed.
func TestIntegrationSend(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)

	for _, tt := range systemTransports {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.opts)
			path := bus.UnitPath("dbus.socket")
			ids := c.Send(ctx, path, bus.PropertiesInterface, "Get", bus.UnitInterface, "Id")
			missing := c.Send(ctx, path, bus.PropertiesInterface, "Get", bus.UnitInterface, "NoSuch")
			version := c.Send(ctx, bus.ManagerPath, bus.PropertiesInterface, "Get",
				bus.ManagerInterface, "Version")

			var id, ver dbus.Variant
			require.NoError(t, ids.Reply().Store(&id))
			assert.Equal(t, "dbus.socket", id.Value())
			assert.ErrorIs(t, missing.Reply().Err, gostemd.ErrUnknownProperty)
			require.NoError(t, version.Reply().Store(&ver))
			assert.NotEmpty(t, ver.Value())

			require.NoError(t, c.Close())
			closed := c.Send(ctx, bus.ManagerPath, bus.PropertiesInterface, "Get",
				bus.ManagerInterface, "Version")
			assert.ErrorIs(t, closed.Reply().Err, gostemd.ErrClosed)
		})
	}
}

// A Mark comes after every signal received before the reply to a call made
// before it: the subscriber can tell when it has seen all that the reply
// already reflects.
func TestIntegrationMarkFollowsEarlierSignals(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	c := dial(t, nil)
	writeProbe(t, c)
	s, err := c.Subscribe(ctx, bus.Match{PathNamespace: bus.ManagerPath, ManagerSubscribe: true})
	require.NoError(t, err)
	defer s.Close()

	// Jobs send signals while the query is under way.
	for _, method := range []string{"RestartUnit", "StopUnit", "RestartUnit"} {
		require.NoError(t, c.Call(ctx, bus.ManagerPath, bus.ManagerInterface, method,
			probeUnit, "replace").Err)
	}
	reply, seq := c.QuerySequenced(ctx, bus.ManagerPath, bus.ManagerInterface, "GetUnit", probeUnit)
	require.NoError(t, reply.Err)
	s.Mark(t.Name())

	older := 0
	for e := next(t, s); e.Mark == nil; e = next(t, s) {
		require.NotNil(t, e.Signal, "no reset")
		if e.Signal.Sequence < seq {
			older++
		}
	}
	assert.Positive(t, older, "signals older than the reply came before the mark")

	quiet := time.After(500 * time.Millisecond)
	for {
		select {
		case e := <-s.Events():
			require.NotNil(t, e.Signal)
			assert.Greater(t, e.Signal.Sequence, seq, "signal %s after the mark", e.Signal.Name)
		case <-quiet:
			return
		}
	}
}
