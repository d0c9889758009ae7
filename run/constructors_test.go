package run_test

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/property"
	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

// constructorCases are Properties made by the typed constructors, with the
// assignment String gives and the D-Bus properties they must become. The
// integration test also passes each String to systemd-run and compares.
var constructorCases = []struct {
	prop run.Property
	text string
	want []wire
}{
	{run.MemoryMax(10 << 20), "MemoryMax=10485760", []wire{t64("MemoryMax", 10<<20)}},
	{run.MemoryMax(run.Infinity), "MemoryMax=infinity", []wire{t64("MemoryMax", maxU64)}},
	{run.MemoryHigh(1 << 30), "MemoryHigh=1073741824", []wire{t64("MemoryHigh", 1<<30)}},
	{run.MemorySwapMax(0), "MemorySwapMax=0", []wire{t64("MemorySwapMax", 0)}},
	{run.TasksMax(32), "TasksMax=32", []wire{t64("TasksMax", 32)}},
	{run.CPUQuota(0.2), "CPUQuota=20%", []wire{t64("CPUQuotaPerSecUSec", 200000)}},
	{run.CPUQuota(1.5), "CPUQuota=150%", []wire{t64("CPUQuotaPerSecUSec", 1500000)}},
	{run.CPUQuota(0.1234), "CPUQuota=12.34%", []wire{t64("CPUQuotaPerSecUSec", 123400)}},
	{run.CPUQuota(0.0105), "CPUQuota=1.05%", []wire{t64("CPUQuotaPerSecUSec", 10500)}},
	{run.CPUWeight(50), "CPUWeight=50", []wire{t64("CPUWeight", 50)}},
	{run.IOWeight(500), "IOWeight=500", []wire{t64("IOWeight", 500)}},
	{run.AllowedCPUs(0, 2), "AllowedCPUs=0 2",
		[]wire{{"AllowedCPUs", "ay", []byte{5, 0, 0, 0, 0, 0, 0, 0}}}},
	{run.AllowedCPUs(), "AllowedCPUs=", []wire{{"AllowedCPUs", "ay", []byte{}}}},
	{run.CPUAccounting(true), "CPUAccounting=true", []wire{boolean("CPUAccounting", true)}},
	{run.MemoryAccounting(false), "MemoryAccounting=false",
		[]wire{boolean("MemoryAccounting", false)}},
	{run.IOAccounting(true), "IOAccounting=true", []wire{boolean("IOAccounting", true)}},
	{run.TasksAccounting(true), "TasksAccounting=true", []wire{boolean("TasksAccounting", true)}},
	{run.IPAccounting(true), "IPAccounting=true", []wire{boolean("IPAccounting", true)}},
	{run.IPAddressAllow(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fe80::/64")),
		"IPAddressAllow=10.0.0.0/8 fe80::/64",
		[]wire{ips("IPAddressAllow", ip4(10, 0, 0, 0, 8), ip6(64, 0xfe, 0x80))}},
	{run.IPAddressDeny(netip.MustParsePrefix("0.0.0.0/0")), "IPAddressDeny=0.0.0.0/0",
		[]wire{ips("IPAddressDeny", ip4(0, 0, 0, 0, 0))}},
	{run.IPAddressDeny(), "IPAddressDeny=", []wire{ips("IPAddressDeny")}},

	{run.User("nobody"), "User=nobody", []wire{str("User", "nobody")}},
	{run.Group("nogroup"), "Group=nogroup", []wire{str("Group", "nogroup")}},
	{run.DynamicUser(true), "DynamicUser=true", []wire{boolean("DynamicUser", true)}},
	{run.ProtectSystem(run.ProtectSystemStrict), "ProtectSystem=strict",
		[]wire{str("ProtectSystem", "strict")}},
	{run.ProtectHome(run.ProtectHomeReadOnly), "ProtectHome=read-only",
		[]wire{str("ProtectHome", "read-only")}},
	{run.PrivateTmp(true), "PrivateTmp=true", []wire{boolean("PrivateTmp", true)}},
	{run.PrivateDevices(true), "PrivateDevices=true", []wire{boolean("PrivateDevices", true)}},
	{run.PrivateNetwork(true), "PrivateNetwork=true", []wire{boolean("PrivateNetwork", true)}},
	{run.NoNewPrivileges(true), "NoNewPrivileges=true", []wire{boolean("NoNewPrivileges", true)}},
	{run.ProtectKernelTunables(true), "ProtectKernelTunables=true",
		[]wire{boolean("ProtectKernelTunables", true)}},
	{run.ProtectKernelModules(true), "ProtectKernelModules=true",
		[]wire{boolean("ProtectKernelModules", true)}},
	{run.ProtectKernelLogs(true), "ProtectKernelLogs=true",
		[]wire{boolean("ProtectKernelLogs", true)}},
	{run.ProtectClock(true), "ProtectClock=true", []wire{boolean("ProtectClock", true)}},
	{run.ProtectControlGroups(true), "ProtectControlGroups=true",
		[]wire{boolean("ProtectControlGroups", true)}},
	{run.ProtectHostname(true), "ProtectHostname=true", []wire{boolean("ProtectHostname", true)}},
	{run.ReadOnlyPaths("/usr", "/with space", `/odd"quote`),
		`ReadOnlyPaths=/usr "/with space" "/odd\"quote"`,
		[]wire{strs("ReadOnlyPaths", "/usr", "/with space", `/odd"quote`)}},
	{run.ReadWritePaths("-/var/lib/x"), `ReadWritePaths=-/var/lib/x`,
		[]wire{strs("ReadWritePaths", "-/var/lib/x")}},
	{run.InaccessiblePaths(), "InaccessiblePaths=", []wire{strs("InaccessiblePaths")}},
	{run.TemporaryFileSystem(run.TmpFS{Path: "/run"}, run.TmpFS{Path: "/var", Options: "size=1M"}),
		"TemporaryFileSystem=/run /var:size=1M",
		[]wire{{"TemporaryFileSystem", "a(ss)", []property.TmpFS{{Path: "/run"},
			{Path: "/var", Options: "size=1M"}}}}},
	{run.BindPaths(run.Bind{Source: "/a", Destination: "/b", IgnoreMissing: true}),
		`BindPaths=-/a:/b`, []wire{{"BindPaths", "a(ssbt)", []property.BindMount{
			{Source: "/a", Destination: "/b", IgnoreMissing: true, Flags: 0x4000}}}}},
	{run.BindReadOnlyPaths(run.Bind{Source: "/x:y", NonRecursive: true}, run.Bind{Source: "/c"}),
		`BindReadOnlyPaths="/x:y":"/x:y":norbind /c`,
		[]wire{{"BindReadOnlyPaths", "a(ssbt)", []property.BindMount{
			{Source: "/x:y", Destination: "/x:y"},
			{Source: "/c", Destination: "/c", Flags: 0x4000}}}}},
	{run.CapabilityBoundingSet("CAP_NET_ADMIN"), "CapabilityBoundingSet=CAP_NET_ADMIN",
		[]wire{t64("CapabilityBoundingSet", 1<<12)}},
	{run.CapabilityBoundingSetExcept("CAP_SYS_ADMIN"), "CapabilityBoundingSet=~CAP_SYS_ADMIN",
		[]wire{t64("CapabilityBoundingSet", ^uint64(1<<21))}},
	{run.AmbientCapabilities("cap_net_raw"), "AmbientCapabilities=cap_net_raw",
		[]wire{t64("AmbientCapabilities", 1<<13)}},
	{run.SystemCallFilter("@system-service", "ptrace"), "SystemCallFilter=@system-service ptrace",
		[]wire{filter("SystemCallFilter", true, "@system-service", "ptrace")}},
	{run.SystemCallDeny("@mount", "ptrace:EPERM"), "SystemCallFilter=~@mount ptrace:EPERM",
		[]wire{filter("SystemCallFilter", false, "@mount", "ptrace:EPERM")}},
	{run.RestrictAddressFamilies("AF_UNIX"), "RestrictAddressFamilies=AF_UNIX",
		[]wire{filter("RestrictAddressFamilies", true, "AF_UNIX")}},
	{run.RestrictAddressFamiliesExcept("AF_PACKET"), "RestrictAddressFamilies=~AF_PACKET",
		[]wire{filter("RestrictAddressFamilies", false, "AF_PACKET")}},

	{run.Environment("A=1", "B=two words"), `Environment=A=1 "B=two words"`,
		[]wire{strs("Environment", "A=1", "B=two words")}},
	{run.EnvironmentMap(map[string]string{"Z": `back\slash`, "A": "x\ny"}),
		"Environment=\"A=x\ny\" \"Z=back\\\\slash\"",
		[]wire{strs("Environment", "A=x\ny", `Z=back\slash`)}},
	{run.WorkingDirectory("/srv"), "WorkingDirectory=/srv", []wire{str("WorkingDirectory", "/srv")}},
	{run.Nice(-3), "Nice=-3", []wire{i32("Nice", -3)}},
	{run.RuntimeMax(90 * time.Second), "RuntimeMaxSec=90s", []wire{t64("RuntimeMaxUSec", 90_000_000)}},
	{run.RuntimeMax(1500 * time.Microsecond), "RuntimeMaxSec=1500us",
		[]wire{t64("RuntimeMaxUSec", 1500)}},
	{run.TimeoutStop(250 * time.Millisecond), "TimeoutStopSec=250ms",
		[]wire{t64("TimeoutStopUSec", 250_000)}},
	{run.KillMode(run.KillMixed), "KillMode=mixed", []wire{str("KillMode", "mixed")}},
	{run.KillSignal(syscall.SIGINT), "KillSignal=2", []wire{i32("KillSignal", 2)}},
	{run.Limit(run.ResourceNOFILE, 1024, run.Infinity), "LimitNOFILE=1024:infinity",
		limit("LimitNOFILE", 1024, maxU64)},
	{run.Limit(run.ResourceCPU, 10, 20), "LimitCPU=10:20", limit("LimitCPU", 10, 20)},
	{run.Type(unit.ServiceOneshot), "Type=oneshot", []wire{str("Type", "oneshot")}},
	{run.RemainAfterExit(true), "RemainAfterExit=true", []wire{boolean("RemainAfterExit", true)}},
	{run.ExecStartPre(run.Exec{Argv: []string{"/bin/echo", "a b"}, IgnoreFailure: true}),
		`ExecStartPre=-/bin/echo "a b"`, []wire{execs("ExecStartPre", bus.ExecStart{
			Path: "/bin/echo", Argv: []string{"/bin/echo", "a b"}, IgnoreFailed: true})}},
	{run.ExecStartPost(run.Exec{Path: "/bin/busybox", Argv: []string{"echo", "$X"},
		NoEnvExpand: true}),
		`ExecStartPost=:@/bin/busybox echo $X`, []wire{execsEx("ExecStartPostEx", property.ExecEx{
			Path: "/bin/busybox", Argv: []string{"echo", "$X"}, Flags: []string{"no-env-expand"}})}},
	{run.ExecStop(run.Exec{Argv: []string{"/bin/kill", ""}, Privileged: true}),
		`ExecStop=+/bin/kill ""`, []wire{execsEx("ExecStopEx", property.ExecEx{
			Path: "/bin/kill", Argv: []string{"/bin/kill", ""}, Flags: []string{"privileged"}})}},
	{run.ExecStopPost(run.Exec{Argv: []string{"/bin/true"}, Ambient: true}),
		"ExecStopPost=!!/bin/true", []wire{execsEx("ExecStopPostEx", property.ExecEx{
			Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"ambient"}})}},
	{run.ExecStopPost(run.Exec{}), "ExecStopPost=", []wire{execs("ExecStopPost")}},
}

func TestConstructors(t *testing.T) {
	for _, tt := range constructorCases {
		t.Run(tt.text, func(t *testing.T) {
			require.NoError(t, tt.prop.Err())
			assert.Equal(t, tt.text, tt.prop.String())

			got, err := run.BusProperties(tt.prop)
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				assert.Equal(t, w.name, got[i].Name)
				assert.Equal(t, w.sig, got[i].Value.Signature().String(), w.name)
				assert.Equal(t, w.val, got[i].Value.Value(), w.name)
			}

			parsed, err := run.ParseProperty(tt.prop.String())
			require.NoError(t, err)
			assert.Equal(t, tt.prop, parsed)
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	tests := []struct {
		prop run.Property
		msg  string
	}{
		{run.CPUQuota(0), `parse property "CPUQuota=0%": invalid CPU quota "0%" (too small)`},
		{run.CPUQuota(-0.5), `parse property "CPUQuota=-50%": ` +
			`invalid CPU quota "-50%" (want a percentage such as 20%)`},
		{run.CPUWeight(0), `parse property "CPUWeight=0": invalid weight "0" (want 1 to 10000)`},
		{run.ReadOnlyPaths("relative"), `parse property "ReadOnlyPaths=relative": ` +
			`invalid path "relative" (want an absolute path)`},
		{run.Environment("NOEQUALS"), `parse property "Environment=NOEQUALS": ` +
			`invalid environment assignment "NOEQUALS" (want KEY=value)`},
		{run.Nice(42), `parse property "Nice=42": invalid nice level "42" (want -20 to 19)`},
		{run.RuntimeMax(-time.Second), `parse property "RuntimeMaxSec=-1s": invalid time span "-1s"`},
		{run.Limit(run.ResourceNOFILE, 10, 5), `parse property "LimitNOFILE=10:5": ` +
			`invalid resource limit "10:5": soft limit above hard limit`},
		{run.Limit("BOGUS", 1, 1), `parse property "LimitBOGUS=1:1": unknown property LimitBOGUS`},
		{run.KillMode("gently"), `parse property "KillMode=gently": invalid value "gently" ` +
			`(want one of control-group, process, mixed, none)`},
		{run.ExecStop(run.Exec{Argv: []string{"/bin/true"}, Privileged: true, NoSetuid: true}),
			`parse property "ExecStop=+!/bin/true": invalid command "!/bin/true" ` +
				`(want an absolute path or a file name)`},
		{run.IPAddressAllow(netip.Prefix{}), `parse property "IPAddressAllow=invalid Prefix": ` +
			`invalid IP address prefix "invalid"`},
		{run.CapabilityBoundingSet("CAP_MAKE_COFFEE"), `parse property ` +
			`"CapabilityBoundingSet=CAP_MAKE_COFFEE": invalid capability "CAP_MAKE_COFFEE"`},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			err := tt.prop.Err()
			require.Error(t, err)
			assert.Equal(t, tt.msg, err.Error())
			assert.True(t, errors.Is(err, run.ErrInvalidValue) || errors.Is(err, run.ErrUnknownProperty))

			_, err = run.BusProperties(run.MemoryMax(1), tt.prop)
			assert.Equal(t, tt.prop.Err(), err)
		})
	}
}
