package run_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// TestIntegrationPropertiesMatchSystemdRun starts, for every case of
// propertyCases, one unit through StartTransientUnit with the parsed
// properties and one with systemd-run -p and the same assignments, and
// compares what systemctl show prints for each property involved.
//
// Neither unit runs: both are ordered after a gate unit whose start job
// never finishes, so their own start jobs wait, and run-time fields (PIDs,
// exit times) cannot differ.
func TestIntegrationPropertiesMatchSystemdRun(t *testing.T) {
	sys := testbed.Require(t)
	t.Logf("systemd %s", sys.Version)

	conn := dial(t)
	gate := startGate(t)

	for i, tt := range propertyCases {
		t.Run(strings.Join(tt.assign, ","), func(t *testing.T) {
			t.Parallel()

			prefix := fmt.Sprintf("gostemd-prop-%d-%d", os.Getpid(), i)
			ours, ref := prefix+"-ours.service", prefix+"-ref.service"

			startWithBus(t, conn, ours, gate, parseAll(t, tt.assign))
			if tt.systemdRunFails() {
				assert.Error(t, systemdRun(t, ref, gate, tt.assign),
					"systemd-run accepts %q now", tt.assign)
				return
			}
			require.NoError(t, systemdRun(t, ref, gate, tt.assign))

			compareShow(t, conn, ours, ref, showNames(tt.want))
		})
	}
}

// TestIntegrationConstructorsMatchSystemdRun starts a unit with each
// Property a typed constructor made, and another with systemd-run and the
// Property's String, and compares them like
// TestIntegrationPropertiesMatchSystemdRun.
func TestIntegrationConstructorsMatchSystemdRun(t *testing.T) {
	testbed.Require(t)
	conn := dial(t)
	gate := startGate(t)

	for i, tt := range constructorCases {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()

			prefix := fmt.Sprintf("gostemd-ctor-%d-%d", os.Getpid(), i)
			ours, ref := prefix+"-ours.service", prefix+"-ref.service"

			startWithBus(t, conn, ours, gate, []run.Property{tt.prop})
			require.NoError(t, systemdRun(t, ref, gate, []string{tt.prop.String()}))
			compareShow(t, conn, ours, ref, showNames(tt.want))
		})
	}
}

// TestIntegrationRepeatedAssignments checks what systemd makes of repeated
// assignments: list properties add up, an empty assignment clears them
// (BindPaths= included, where systemd-run 252 itself sends a value systemd
// refuses), and other properties keep the last value.
func TestIntegrationRepeatedAssignments(t *testing.T) {
	testbed.Require(t)
	conn := dial(t)
	gate := startGate(t)

	cases := []struct {
		assign []string
		show   string
		want   string
	}{
		{[]string{"BindPaths=/a", "BindPaths=", "BindPaths=/b"}, "BindPaths", "/b:/b:rbind"},
		{[]string{"Environment=A=1", "Environment=", "Environment=B=2"}, "Environment", "B=2"},
		{[]string{"Environment=A=1 B=2", "Environment=A=3"}, "Environment", "A=3 B=2"},
		{[]string{"ReadOnlyPaths=/usr", "ReadOnlyPaths=", "ReadOnlyPaths=/etc"}, "ReadOnlyPaths", "/etc"},
		{[]string{"IPAddressDeny=any", "IPAddressDeny="}, "IPAddressDeny", ""},
		// Not a list over D-Bus: the last value wins.
		{[]string{"CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=CAP_KILL"},
			"CapabilityBoundingSet", "cap_kill"},
	}
	for i, tt := range cases {
		t.Run(strings.Join(tt.assign, ","), func(t *testing.T) {
			t.Parallel()

			name := fmt.Sprintf("gostemd-reset-%d-%d.service", os.Getpid(), i)
			startWithBus(t, conn, name, gate, parseAll(t, tt.assign))
			assert.Equal(t, tt.want, testbed.Show(t, name, tt.show))
		})
	}
}

func dial(tb testing.TB) *bus.Conn {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := bus.Dial(ctx, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// startGate starts a oneshot service whose start job lasts until the test
// ends, and returns its name.
func startGate(tb testing.TB) string {
	tb.Helper()

	name := fmt.Sprintf("gostemd-gate-%d.service", os.Getpid())
	out, err := exec.Command("systemd-run", "--quiet", "--no-block", "--unit="+name,
		"-p", "Type=oneshot", "/bin/sleep", "infinity").CombinedOutput()
	require.NoError(tb, err, "start gate: %s", out)
	tb.Cleanup(func() { stopUnit(name) })
	return name
}

// systemdRun starts a unit with systemd-run and the assignments.
func systemdRun(tb testing.TB, name, gate string, assign []string) error {
	tb.Helper()

	args := []string{"--quiet", "--no-block", "--unit=" + name, "-p", "After=" + gate}
	for _, a := range assign {
		args = append(args, "-p", a)
	}
	args = append(args, "/bin/true")

	out, err := exec.Command("systemd-run", args...).CombinedOutput()
	tb.Cleanup(func() { stopUnit(name) })
	if err != nil {
		return fmt.Errorf("systemd-run %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func startWithBus(tb testing.TB, conn *bus.Conn, name, gate string, props []run.Property) {
	tb.Helper()

	wire, err := run.BusProperties(props...)
	require.NoError(tb, err)
	wire = append(wire,
		bus.Property{Name: "After", Value: dbus.MakeVariant([]string{gate})},
		bus.Property{Name: "ExecStart", Value: dbus.MakeVariant([]bus.ExecStart{
			{Path: "/bin/true", Argv: []string{"/bin/true"}}}),
		})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
		name, "fail", wire, []bus.AuxUnit{}).Err
	require.NoError(tb, err, "start %s", name)
	tb.Cleanup(func() { stopUnit(name) })
}

// compareShow compares what systemctl show prints for the properties of
// two services. Each property must exist on the unit's D-Bus object, so
// that two empty answers for a misspelt name cannot pass.
func compareShow(tb testing.TB, conn *bus.Conn, ours, ref string, names []string) {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	known, err := conn.GetAll(ctx, bus.UnitPath(ours), bus.ServiceInterface)
	require.NoError(tb, err)
	unit, err := conn.GetAll(ctx, bus.UnitPath(ours), bus.UnitInterface)
	require.NoError(tb, err)
	maps.Copy(known, unit)

	for _, name := range names {
		if _, ok := known[name]; assert.True(tb, ok, "%s has no property %s", ours, name) {
			assert.Equal(tb, testbed.Show(tb, ref, name), testbed.Show(tb, ours, name), name)
		}
	}
}

// stopUnit stops a unit and forgets a failure. Errors are ignored: the unit
// may be gone already.
func stopUnit(name string) {
	_ = exec.Command("systemctl", "stop", name).Run()
	_ = exec.Command("systemctl", "reset-failed", name).Run()
}

// showNames returns the names systemctl show knows the properties by: a
// <Name>Scale property is read back through <Name>.
func showNames(want []wire) []string {
	var names []string
	seen := map[string]bool{}
	for _, w := range want {
		n := strings.TrimSuffix(w.name, "Scale")
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// stricterThanSystemd lists the bad cases that systemd-run 252 and systemd
// accept, where ParseProperty refuses them on purpose.
var stricterThanSystemd = map[string]string{
	"CapabilityBoundingSet=CAP_BOGUS": "systemd-run drops unknown capability names",
	"SystemCallFilter=@bogus":         "systemd ignores unknown system call groups",
	"SystemCallFilter=Foo":            "systemd ignores unknown system calls",
	"CapabilityBoundingSet=64":        "systemd-run drops capability numbers above 63",
}

// TestIntegrationBadValuesRefusedBySystemd checks that systemd-run, or
// systemd behind it, refuses what ParseProperty refuses, except for the
// cases listed in stricterThanSystemd.
func TestIntegrationBadValuesRefusedBySystemd(t *testing.T) {
	testbed.Require(t)
	gate := startGate(t)

	for i, tt := range badCases {
		if !strings.Contains(tt.assign, "=") {
			continue
		}
		t.Run(tt.assign, func(t *testing.T) {
			t.Parallel()

			name := fmt.Sprintf("gostemd-bad-%d-%d.service", os.Getpid(), i)
			err := systemdRun(t, name, gate, []string{tt.assign})
			if why, ok := stricterThanSystemd[tt.assign]; ok {
				assert.NoError(t, err, "systemd refuses it now; it was listed because %s", why)
				return
			}
			assert.Error(t, err, "systemd-run accepts it")
		})
	}
}
