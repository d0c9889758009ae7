package run_test

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

// shell runs a shell script in a unit with the given properties and
// returns its combined output and error.
func shell(tb testing.TB, script string, props ...run.Property) (string, error) {
	tb.Helper()
	cmd := run.Command("sh", "-c", script)
	cmd.Properties = props
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestIntegrationCmdProtectHome(t *testing.T) {
	testbed.Require(t)
	marker := filepath.Join("/root", "gostemd-protect-home-"+strconv.Itoa(os.Getpid()))
	require.NoError(t, os.WriteFile(marker, nil, 0o600))
	t.Cleanup(func() { os.Remove(marker) })

	_, err := shell(t, "test -e "+marker)
	require.NoError(t, err, "without ProtectHome the unit should see %s", marker)

	_, err = shell(t, "test -e "+marker, run.ProtectHome(run.ProtectHomeYes))
	assert.Error(t, err, "ProtectHome=yes left %s visible", marker)
}

func TestIntegrationCmdPrivateTmp(t *testing.T) {
	testbed.Require(t)
	name := filepath.Join("/tmp", "gostemd-private-tmp-"+strconv.Itoa(os.Getpid()))
	t.Cleanup(func() { os.Remove(name) })

	_, err := shell(t, "touch "+name+" && test -e "+name, run.PrivateTmp(true))
	require.NoError(t, err)
	assert.NoFileExists(t, name, "the unit's /tmp file reached the host's /tmp")
}

func TestIntegrationCmdProtectSystemStrict(t *testing.T) {
	testbed.Require(t)
	name := "gostemd-strict-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { os.Remove("/etc/" + name) })

	_, err := shell(t, "touch /etc/"+name+" && rm /etc/"+name)
	require.NoError(t, err, "without ProtectSystem the unit should write /etc")

	strict := run.ProtectSystem(run.ProtectSystemStrict)
	for _, dir := range []string{"/usr", "/etc"} {
		out, err := shell(t, "touch "+dir+"/"+name, strict)
		assert.Error(t, err, "ProtectSystem=strict let the unit write %s", dir)
		assert.Contains(t, out, "Read-only file system")
	}
}

// TestIntegrationCmdIPAddress connects from a unit to a listener of the
// test on the loopback: IPAddressDeny=any refuses it, and IPAddressAllow
// for 127.0.0.0/8 lets it through again.
func TestIntegrationCmdIPAddress(t *testing.T) {
	testbed.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go acceptAll(ln)

	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	connect := "timeout 2 bash -c 'echo hi > /dev/tcp/127.0.0.1/" + port + "'"
	deny := run.IPAddressDeny(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	allow := run.IPAddressAllow(netip.MustParsePrefix("127.0.0.0/8"))

	_, err = shell(t, connect)
	require.NoError(t, err, "the listener does not answer at all")

	_, err = shell(t, connect, deny)
	assert.Error(t, err, "IPAddressDeny=any let the connection through")

	_, err = shell(t, connect, deny, allow)
	assert.NoError(t, err, "IPAddressAllow=127.0.0.0/8 did not let the connection through")
}

func acceptAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// TestIntegrationCmdMemoryMax has dd allocate and fill a 200 MB buffer.
// Above MemoryMax the kernel kills it: systemd reports the SIGKILL on
// cgroup v1 and the OOM kill itself on cgroup v2.
func TestIntegrationCmdMemoryMax(t *testing.T) {
	testbed.Require(t)
	const alloc = "dd if=/dev/zero of=/dev/null bs=200M count=1"

	_, err := shell(t, alloc)
	require.NoError(t, err, "dd cannot allocate 200 MB even without a limit")

	cmd := run.Command("sh", "-c", "exec "+alloc)
	cmd.Properties = []run.Property{run.MemoryMax(10 << 20), run.MemorySwapMax(0)}
	ee := exitError(t, cmd)
	killed := ee.Signal() == syscall.SIGKILL || ee.UnitResult == unit.ResultOOMKill
	assert.True(t, killed, "dd was not killed: %v", ee)
}

func TestIntegrationCmdTasksMax(t *testing.T) {
	testbed.Require(t)
	const forks = "sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait"

	_, err := shell(t, forks, run.TasksMax(10))
	require.NoError(t, err)

	out, err := shell(t, forks, run.TasksMax(3))
	assert.Error(t, err, "four children under TasksMax=3")
	assert.Contains(t, out, "fork")
}

// TestIntegrationCmdCPUQuota runs a busy loop for two seconds under
// CPUQuota=20% and without, and compares the CPU time the shell's times
// builtin reports for it. (The test bed's cpuacct hierarchy is not the
// container's own, so systemd's CPUUsageNSec reads "not set" there.)
func TestIntegrationCmdCPUQuota(t *testing.T) {
	testbed.Require(t)

	free := busyShare(t)
	limited := busyShare(t, run.CPUQuota(0.2))
	t.Logf("a busy loop got %.2f of a CPU without a quota, %.2f under CPUQuota=20%%",
		free, limited)

	// Bounds loose enough for a busy machine: without a quota the loop
	// must get clearly more than the quota, and with one no more than it
	// (systemd's enforcement period is 100ms, so slightly more shows).
	assert.Greater(t, free, 0.35)
	assert.Less(t, limited, 0.26)
	assert.Greater(t, limited, 0.1)
}

// busyShare runs a busy loop for two seconds in a unit and returns the share
// of one CPU it got.
func busyShare(tb testing.TB, props ...run.Property) float64 {
	tb.Helper()
	const loop = 2 * time.Second

	cmd := run.Command("bash", "-c", `timeout 2 bash -c 'while :; do :; done'; times`)
	cmd.Properties = props
	out, err := cmd.Output()
	require.NoError(tb, err)

	// The second line of times is the children's user and system time.
	m := timesLine.FindStringSubmatch(string(out))
	require.NotNil(tb, m, "times printed %q", out)
	cpu := minutes(m[1], m[2]) + minutes(m[3], m[4])
	return float64(cpu) / float64(loop)
}

// timesLine is the last line of bash's times: user and system time, such
// as "0m0.412s 0m0.004s".
var timesLine = regexp.MustCompile(`(?m)^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?\z`)

func minutes(m, s string) time.Duration {
	mins, _ := strconv.Atoi(m)
	secs, _ := strconv.ParseFloat(s, 64)
	return time.Duration(mins)*time.Minute + time.Duration(secs*float64(time.Second))
}

// TestIntegrationCmdIPAccounting checks that a Result carries the IP
// traffic systemd counted for the unit.
func TestIntegrationCmdIPAccounting(t *testing.T) {
	testbed.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go acceptAll(ln)

	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := run.Command("bash", "-c", "echo hello > /dev/tcp/127.0.0.1/"+port)
	cmd.Properties = []run.Property{run.IPAccounting(true)}
	require.NoError(t, cmd.Run())

	usage := cmd.Result.Usage
	require.NotNil(t, usage.IPEgressBytes, "systemd did not count IP traffic")
	assert.Positive(t, *usage.IPEgressBytes)
	assert.Nil(t, usage.TasksCurrent, "a stopped unit has no current tasks")
}
