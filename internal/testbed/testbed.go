package testbed

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// A Helper is a small program compiled into a test binary. Tests start it as
// a unit's ExecStart through HelperCommand, so a service under test can be Go
// code without a separate build step.
type Helper struct {
	Name string
	Run  func(args []string) int
}

// helperFlag marks a test binary started as a helper. The test framework
// never sees it: Main dispatches before flags are parsed.
const helperFlag = "-gostemd.helper"

// System describes the systemd the tests run against.
type System struct {
	// Throwaway is true when the test bed booted this systemd for the run.
	Throwaway bool

	// Container is the container's machine name, empty in host mode.
	Container string

	// Version is the manager's version, such as "252.39-1~deb12u2".
	Version string

	// Cgroup2 is true when the system runs on the unified cgroup hierarchy
	// alone, where systemd can freeze units and account CPU and peak memory.
	Cgroup2 bool
}

// availability records, for this process, why real systemd is unavailable
// (empty when it is available). Main sets it before the tests run.
var availability struct {
	sync.Mutex
	set    bool
	reason string
}

// Main runs a package's tests against real systemd. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testbed.Main(m) }
//
// In nspawn mode it boots a container, runs this test binary inside it and
// exits with the inner run's status. Helpers are dispatched first, so a test
// binary started by HelperCommand runs the helper and nothing else.
func Main(m *testing.M, helpers ...Helper) {
	os.Exit(mainCode(m, Config{Helpers: helpers}))
}

// Config configures MainWith.
type Config struct {
	// Helpers are the programs HelperCommand can start.
	Helpers []Helper

	// Cgroup2 boots the container on the unified cgroup hierarchy, for
	// tests of what only a pure cgroup2 system offers (freezing units, CPU
	// accounting, MemoryPeak); resource limits are then not enforced on
	// hybrid hosts. See Options.Cgroup2. False boots the default, hybrid
	// layout with real limits.
	Cgroup2 bool
}

// MainWith is Main with a configuration.
func MainWith(m *testing.M, cfg Config) {
	os.Exit(mainCode(m, cfg))
}

func mainCode(m *testing.M, cfg Config) int {
	if code, ok := runHelper(cfg.Helpers); ok {
		return code
	}

	if os.Getenv(envInside) != "" || mode() == modeHost {
		return m.Run()
	}

	if reason := os.Getenv(envUnavailable); reason != "" {
		setUnavailable(reason)
		return m.Run()
	}

	return runInContainer(m, cfg.Cgroup2)
}

func mode() string {
	if v := os.Getenv(EnvMode); v != "" {
		return v
	}
	return modeNspawn
}

func runHelper(helpers []Helper) (int, bool) {
	if len(os.Args) < 3 || os.Args[1] != helperFlag {
		return 0, false
	}

	for _, h := range helpers {
		if h.Name == os.Args[2] {
			return h.Run(os.Args[3:]), true
		}
	}
	fmt.Fprintf(os.Stderr, "testbed: no helper named %q\n", os.Args[2])
	return 2, true
}

// HelperCommand returns the argv that starts the named helper of the running
// test binary, for use as a unit's ExecStart. The binary's path is the same
// inside the container as outside.
func HelperCommand(name string, args ...string) []string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return append([]string{exe, helperFlag, name}, args...)
}

func setUnavailable(reason string) {
	availability.Lock()
	defer availability.Unlock()

	availability.set = true
	availability.reason = reason
}

var probe = sync.OnceValues(probeSystemd)

// Require returns the systemd the test may use. When none is available it
// skips the test with the exact reason, or fails it when CI is set.
func Require(tb testing.TB) *System {
	tb.Helper()

	availability.Lock()
	reason := availability.reason
	availability.Unlock()

	sys, err := probe()
	if reason == "" && err != nil {
		reason = err.Error()
	}
	if reason == "" {
		return sys
	}

	if os.Getenv("CI") != "" {
		tb.Fatalf("real systemd is required when CI is set: %s", reason)
	}
	tb.Skipf("no real systemd: %s", reason)
	return nil
}

// probeSystemd checks that the system manager answers on the system bus and
// has finished booting.
func probeSystemd() (*System, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("tests need root (running as uid %d)", os.Geteuid())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connect to the system bus: %w", err)
	}
	defer conn.Close()

	state, version, err := managerState(ctx, conn)
	if err != nil {
		return nil, err
	}
	if state != "running" && state != "degraded" {
		return nil, fmt.Errorf("system manager is %q, not running", state)
	}

	name := os.Getenv(envInside)
	return &System{Throwaway: name != "", Container: name, Version: version, Cgroup2: unifiedOnly()}, nil
}

func managerState(ctx context.Context, conn *dbus.Conn) (state, version string, err error) {
	obj := conn.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")

	var props map[string]dbus.Variant
	err = obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0,
		"org.freedesktop.systemd1.Manager").Store(&props)
	if err != nil {
		return "", "", fmt.Errorf("read manager properties: %w", err)
	}

	state, _ = props["SystemState"].Value().(string)
	version, _ = props["Version"].Value().(string)
	return strings.TrimSpace(state), version, nil
}

// unifiedOnly reports whether /sys/fs/cgroup is itself a cgroup2 mount.
func unifiedOnly() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
