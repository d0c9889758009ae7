package run_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// trickyAssignments probe the edges of each value syntax. For each,
// TestIntegrationTrickyValues checks that ParseProperty accepts exactly
// what systemd-run and systemd accept, and that both units then agree.
var trickyAssignments = []string{
	"MemoryMax=1G 512M", "MemoryMax=1M 1G", "MemoryMax=10.5K", "MemoryMax=10.M",
	"MemoryMax=0x10", "MemoryMax=010", "MemoryMax= 5K", "MemoryMax=5 K", "MemoryMax=5KB",
	"MemoryMax=5k", "MemoryMax=1E", "MemoryMax=16E", "MemoryMax=15E", "MemoryMax=-0",
	"MemoryMax=+5", "MemoryMax=5%", "MemoryMax=100%", "MemoryMax=101%", "MemoryMax=0.5%",
	"MemoryMax=12.34%", "MemoryMax=12.345%", "MemoryMax=1‰", "MemoryMax=1‱",
	"MemoryMax=Infinity", "MemoryMax=", "MemoryMax=1.5.5",
	"TasksMax=0x10", "TasksMax=010", "TasksMax=0b101", "TasksMax=0o17", "TasksMax=+5",
	"TasksMax=-0", "TasksMax= 7", "TasksMax=7 ", "TasksMax=0", "TasksMax=18446744073709551615",
	"TasksMax=18446744073709551616",
	"Nice=-20", "Nice=-21", "Nice=0x5", "Nice=+3", "Nice= 4", "Nice=4 ",
	"KillSignal=term", "KillSignal=TERM", "KillSignal=RTMIN+0", "KillSignal=RTMIN+30",
	"KillSignal=RTMIN+31", "KillSignal=RTMAX-30", "KillSignal=RTMAX-31", "KillSignal=SIGRTMAX",
	"KillSignal=64", "KillSignal=0", "KillSignal=0x9", "KillSignal=SIGIO", "KillSignal=SIGPOLL",
	"KillSignal=IOT",
	"AllowedCPUs=0-3", "AllowedCPUs=0,1,,2", "AllowedCPUs= 0 ", "AllowedCPUs=1-1",
	"AllowedCPUs=8191", "AllowedCPUs=8192", "AllowedCPUs=-1", "AllowedCPUs=0x2",
	"AllowedCPUs=1 - 2", `AllowedCPUs="1-2"`,
	"CPUQuota=0.5%", "CPUQuota=0.005%", "CPUQuota=100.00%", "CPUQuota=1.234%", "CPUQuota=5 %",
	"CPUQuota=150‰", "CPUQuota=0.5‰", "CPUQuota=10000%",
	"CPUWeight=0", "CPUWeight=1", "CPUWeight=10000", "CPUWeight=10001", "CPUWeight=IDLE",
	"IOWeight=idle",
	"LimitNOFILE=1:", "LimitNOFILE=:1", "LimitNOFILE=infinity:infinity", "LimitNOFILE=0x10",
	"LimitNOFILE=1K", "LimitNOFILE=1 2", "LimitAS=1K:1M", "LimitAS=1.5K", "LimitCPU=1.5",
	"LimitCPU=1ms", "LimitCPU=0", "LimitNICE=+0", "LimitNICE=-20", "LimitNICE=+19",
	"LimitNICE=+20", "LimitNICE=40", "LimitNICE=41", "LimitNICE=-21", "LimitRTTIME=1",
	"LimitRTTIME=1.5ms",
	"IPAddressAllow=10.0.0.1/8", "IPAddressAllow=1.2.3", "IPAddressAllow=::1/129",
	"IPAddressAllow=fe80::1%eth0", "IPAddressAllow=0.0.0.0/0 ::/0", "IPAddressAllow=LOCALHOST",
	"IPAddressAllow=foo.localhost", "IPAddressAllow=Any", "IPAddressAllow=10.0.0.0/08",
	"IPAddressAllow=10.0.0.0/0x8", "IPAddressAllow=010.0.0.1",
	"RestrictAddressFamilies=none", "RestrictAddressFamilies=AF_UNIX AF_BOGUS",
	"RestrictAddressFamilies=af_inet", "RestrictAddressFamilies=~", "RestrictAddressFamilies=",
	"SystemCallFilter=", "SystemCallFilter=~", "SystemCallFilter=@default",
	"SystemCallFilter=~@privileged:EPERM", "SystemCallFilter=~read:1",
	"SystemCallFilter=~read:99999", "SystemCallFilter=~read:kill", "SystemCallFilter=foo_bar",
	"SystemCallFilter=Foo",
	"CapabilityBoundingSet=~", "CapabilityBoundingSet=63", "CapabilityBoundingSet=64",
	"CapabilityBoundingSet=CAP_CHOWN CAP_CHOWN", "CapabilityBoundingSet=cap_Chown",
	"Environment=A=1 A=1", "Environment=A", "Environment==1", "Environment=A-B=1",
	"Environment=_A=1", `Environment=A="quoted"`, "Environment='A=1", `Environment=A=\`,
	`Environment=A=\z`, "Environment=A=ü",
	"BindPaths=/a:/b:rbind:extra", "BindPaths=/a::/b", "BindPaths=/a:", "BindPaths=:/b",
	"BindPaths=/a:/b /c:/d:norbind", "BindPaths=-/a", "BindPaths=--/a", `BindPaths=/a\:b`,
	"TemporaryFileSystem=/a:", "TemporaryFileSystem=/a:ro", "TemporaryFileSystem=relative",
	"TemporaryFileSystem=/a:b:c",
	"ReadOnlyPaths=-+/a", "ReadOnlyPaths=+-/a", "ReadOnlyPaths=--/a", "ReadOnlyPaths=/a//b/../c",
	"ExecStartPre=", "ExecStartPre=@", "ExecStartPre=@/bin/true", "ExecStartPre=-",
	"ExecStartPre=--/bin/true", "ExecStartPre=-@-/bin/true", "ExecStartPre=+!/bin/true",
	"ExecStartPre=!+/bin/true", "ExecStartPre=!!!/bin/true", "ExecStartPre=:/bin/true",
	"ExecStartPre=::/bin/true", "ExecStartPre=true", "ExecStartPre=./true",
	`ExecStartPre=/bin/echo "unterminated`, `ExecStartPre=/bin/echo a\ b`,
	"WorkingDirectory=relative", "WorkingDirectory=~", "WorkingDirectory=-",
	"WorkingDirectory=~/x",
	"User=", "User=-x", "User=a:b", "User=a b", "User=0", "User=üser", "User=a/b",
	"ProtectSystem=TRUE", "ProtectSystem=Yes", "ProtectSystem=read-only", "ProtectSystem=off",
	"ProtectHome=Tmpfs", "ProtectHome=strict",
	"KillMode=Mixed", "KillMode=", "Type=notify-reload", "Type=", "Type=Simple",
	"RuntimeMaxSec=0", "PrivateTmp=", "PrivateTmp=Y",
	"Slice=", "Slice=a.service", "Slice=-.slice", "Slice=a-b.slice", "Slice=a@b.slice",
	"Slice=a b.slice", "Slice=.slice",
}

func TestIntegrationTrickyValues(t *testing.T) {
	testbed.Require(t)
	conn := dial(t)
	gate := startGate(t)

	for i, a := range trickyAssignments {
		t.Run(a, func(t *testing.T) {
			t.Parallel()

			prefix := fmt.Sprintf("gostemd-tricky-%d-%d", os.Getpid(), i)
			ours, ref := prefix+"-ours.service", prefix+"-ref.service"

			refErr := systemdRun(t, ref, gate, []string{a})
			p, ourErr := run.ParseProperty(a)
			if ourErr == nil {
				ourErr = tryStart(t, conn, ours, gate, p)
			}

			if why, ok := stricterThanSystemd[a]; ok {
				assert.NoError(t, refErr, "systemd refuses it now; listed because %s", why)
				assert.Error(t, ourErr)
				return
			}
			if refErr != nil || ourErr != nil {
				assert.Equal(t, refErr != nil, ourErr != nil,
					"systemd-run: %v\nParseProperty or StartTransientUnit: %v", refErr, ourErr)
				return
			}

			props, _ := run.BusProperties(p)
			var names []wire
			for _, w := range props {
				names = append(names, wire{name: w.Name})
			}
			compareShow(t, conn, ours, ref, showNames(names))
		})
	}
}

// tryStart is startWithBus that returns the error.
func tryStart(tb testing.TB, conn *bus.Conn, name, gate string, p run.Property) error {
	tb.Helper()

	wire, err := run.BusProperties(p)
	if err != nil {
		return err
	}
	wire = append(wire,
		bus.Property{Name: "After", Value: dbus.MakeVariant([]string{gate})},
		bus.Property{Name: "ExecStart", Value: dbus.MakeVariant([]bus.ExecStart{
			{Path: "/bin/true", Argv: []string{"/bin/true"}}}),
		})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tb.Cleanup(func() { stopUnit(name) })
	return conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
		name, "fail", wire, []bus.AuxUnit{}).Err
}
