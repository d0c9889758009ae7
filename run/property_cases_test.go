package run_test

import (
	"math"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/property"
)

// wire is one D-Bus property a case expects: its name, signature and
// value.
type wire struct {
	name string
	sig  string
	val  any
}

// propertyCase is a list of assignments and the D-Bus properties they
// must become, in order.
type propertyCase struct {
	assign []string
	want   []wire
}

// systemdRunRefuses lists assignments for which systemd-run 252 sends
// something systemd refuses, and where ParseProperty deliberately differs.
var systemdRunRefuses = map[string]bool{
	"BindPaths=": true, // systemd-run sends an entry with empty paths
}

func (c propertyCase) systemdRunFails() bool {
	for _, a := range c.assign {
		if systemdRunRefuses[a] {
			return true
		}
	}
	return false
}

const maxU64 = uint64(math.MaxUint64)

func t64(name string, v uint64) wire          { return wire{name, "t", v} }
func boolean(name string, v bool) wire        { return wire{name, "b", v} }
func str(name, v string) wire                 { return wire{name, "s", v} }
func strs(name string, v ...string) wire      { return wire{name, "as", append([]string{}, v...)} }
func i32(name string, v int32) wire           { return wire{name, "i", v} }
func single(a string, w ...wire) propertyCase { return propertyCase{[]string{a}, w} }

func filter(name string, allow bool, names ...string) wire {
	return wire{name, "(bas)", property.Filter{Allow: allow, Names: names}}
}

func ips(name string, p ...property.IPPrefix) wire {
	return wire{name, "a(iayu)", append([]property.IPPrefix{}, p...)}
}

func ip4(a, b, c, d byte, bits uint32) property.IPPrefix {
	return property.IPPrefix{Family: 2, Addr: []byte{a, b, c, d}, Bits: bits}
}

func ip6(bits uint32, bytes ...byte) property.IPPrefix {
	addr := make([]byte, 16)
	copy(addr, bytes)
	return property.IPPrefix{Family: 10, Addr: addr, Bits: bits}
}

func ip6Last(last byte, bits uint32) property.IPPrefix {
	p := ip6(bits)
	p.Addr[15] = last
	return p
}

func execs(name string, cmds ...bus.ExecStart) wire {
	return wire{name, "a(sasb)", append([]bus.ExecStart{}, cmds...)}
}

func execsEx(name string, cmds ...property.ExecEx) wire {
	return wire{name, "a(sasas)", append([]property.ExecEx{}, cmds...)}
}

func limit(name string, soft, hard uint64) []wire {
	return []wire{t64(name, hard), t64(name+"Soft", soft)}
}

// propertyCases covers every property the run package promises, each
// with the D-Bus form systemd-run 252 sends for it. The integration test
// starts a unit with each case through D-Bus and another with systemd-run,
// and compares what systemctl show prints for both.
var propertyCases = []propertyCase{
	// Sandboxing.
	single("User=nobody", str("User", "nobody")),
	single("User=65534", str("User", "65534")),
	single("Group=nogroup", str("Group", "nogroup")),
	single("DynamicUser=yes", boolean("DynamicUser", true)),
	single("ProtectHome=read-only", str("ProtectHome", "read-only")),
	single("ProtectHome=tmpfs", str("ProtectHome", "tmpfs")),
	single("ProtectHome=yes", str("ProtectHome", "yes")),
	single("ProtectSystem=strict", str("ProtectSystem", "strict")),
	single("ProtectSystem=full", str("ProtectSystem", "full")),
	single("ProtectSystem=no", str("ProtectSystem", "no")),
	single("PrivateTmp=on", boolean("PrivateTmp", true)),
	single("PrivateDevices=true", boolean("PrivateDevices", true)),
	single("PrivateNetwork=1", boolean("PrivateNetwork", true)),
	single("NoNewPrivileges=yes", boolean("NoNewPrivileges", true)),
	single("NoNewPrivileges=off", boolean("NoNewPrivileges", false)),
	single("ProtectKernelTunables=yes", boolean("ProtectKernelTunables", true)),
	single("ProtectKernelModules=y", boolean("ProtectKernelModules", true)),
	single("ProtectKernelLogs=TRUE", boolean("ProtectKernelLogs", true)),
	single("ProtectClock=yes", boolean("ProtectClock", true)),
	single("ProtectControlGroups=yes", boolean("ProtectControlGroups", true)),
	single("ProtectHostname=yes", boolean("ProtectHostname", true)),
	single("ProtectProc=invisible", str("ProtectProc", "invisible")),
	single("ProcSubset=pid", str("ProcSubset", "pid")),
	single("ReadOnlyPaths=/usr -/nonexistent +/etc",
		strs("ReadOnlyPaths", "/usr", "-/nonexistent", "+/etc")),
	single(`ReadWritePaths=/tmp "/var/with space"`, strs("ReadWritePaths", "/tmp", "/var/with space")),
	single("InaccessiblePaths=-/root", strs("InaccessiblePaths", "-/root")),
	single("InaccessiblePaths=", strs("InaccessiblePaths")),
	single("TemporaryFileSystem=/run:size=10M,mode=0755 /var/tmp",
		wire{"TemporaryFileSystem", "a(ss)", []property.TmpFS{
			{Path: "/run", Options: "size=10M,mode=0755"}, {Path: "/var/tmp"}}}),
	single("BindPaths=-/a:/b:rbind", wire{"BindPaths", "a(ssbt)", []property.BindMount{
		{Source: "/a", Destination: "/b", IgnoreMissing: true, Flags: 0x4000}}}),
	single("BindPaths=/srv", wire{"BindPaths", "a(ssbt)", []property.BindMount{
		{Source: "/srv", Destination: "/srv", Flags: 0x4000}}}),
	single("BindReadOnlyPaths=/usr:/mnt/usr:norbind /etc:/mnt/etc",
		wire{"BindReadOnlyPaths", "a(ssbt)", []property.BindMount{
			{Source: "/usr", Destination: "/mnt/usr"},
			{Source: "/etc", Destination: "/mnt/etc", Flags: 0x4000}}}),
	single("CapabilityBoundingSet=CAP_NET_ADMIN cap_sys_admin",
		t64("CapabilityBoundingSet", 1<<12|1<<21)),
	single("CapabilityBoundingSet=~CAP_SYS_ADMIN", t64("CapabilityBoundingSet", ^uint64(1<<21))),
	single("CapabilityBoundingSet=", t64("CapabilityBoundingSet", 0)),
	single("AmbientCapabilities=CAP_NET_BIND_SERVICE 13",
		t64("AmbientCapabilities", 1<<10|1<<13)),
	single("SystemCallFilter=@system-service", filter("SystemCallFilter", true, "@system-service")),
	single("SystemCallFilter=~@mount ptrace:EPERM",
		filter("SystemCallFilter", false, "@mount", "ptrace:EPERM")),
	single("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
		filter("RestrictAddressFamilies", true, "AF_UNIX", "AF_INET", "AF_INET6")),
	single("RestrictAddressFamilies=~AF_PACKET",
		filter("RestrictAddressFamilies", false, "AF_PACKET")),

	// Network.
	single("IPAddressAllow=10.0.0.0/8 192.168.1.1 ::1/128",
		ips("IPAddressAllow", ip4(10, 0, 0, 0, 8), ip4(192, 168, 1, 1, 32), ip6Last(1, 128))),
	single("IPAddressDeny=any", ips("IPAddressDeny", ip4(0, 0, 0, 0, 0), ip6(0))),
	single("IPAddressAllow=localhost", ips("IPAddressAllow", ip4(127, 0, 0, 0, 8), ip6Last(1, 128))),
	single("IPAddressAllow=link-local",
		ips("IPAddressAllow", ip4(169, 254, 0, 0, 16), ip6(64, 0xfe, 0x80))),
	single("IPAddressAllow=multicast", ips("IPAddressAllow", ip4(224, 0, 0, 0, 4), ip6(8, 0xff))),
	single("IPAddressDeny=", ips("IPAddressDeny")),
	single("IPAccounting=yes", boolean("IPAccounting", true)),

	// Resources.
	single("CPUQuota=20%", t64("CPUQuotaPerSecUSec", 200000)),
	single("CPUQuota=150.5%", t64("CPUQuotaPerSecUSec", 1505000)),
	single("CPUQuota=", t64("CPUQuotaPerSecUSec", maxU64)),
	single("CPUWeight=500", t64("CPUWeight", 500)),
	single("CPUWeight=idle", t64("CPUWeight", 0)),
	single("CPUWeight=", t64("CPUWeight", maxU64)),
	single("AllowedCPUs=0-1 3", wire{"AllowedCPUs", "ay", []byte{0x0b, 0, 0, 0, 0, 0, 0, 0}}),
	single("AllowedCPUs=0,65", wire{"AllowedCPUs", "ay",
		[]byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}}),
	single("MemoryMax=10M", t64("MemoryMax", 10<<20)),
	single("MemoryMax=1.5G", t64("MemoryMax", 3<<29)),
	single("MemoryMax=infinity", t64("MemoryMax", maxU64)),
	single("MemoryMax=50%", wire{"MemoryMaxScale", "u", uint32(2147483648)}),
	single("MemoryHigh=512K", t64("MemoryHigh", 512<<10)),
	single("MemoryHigh=", t64("MemoryHigh", maxU64)),
	single("MemorySwapMax=0", t64("MemorySwapMax", 0)),
	single("MemoryLow=", t64("MemoryLow", 0)),
	single("TasksMax=5", t64("TasksMax", 5)),
	single("TasksMax=10%", wire{"TasksMaxScale", "u", uint32(429496730)}),
	single("TasksMax=infinity", t64("TasksMax", maxU64)),
	single("IOWeight=200", t64("IOWeight", 200)),
	single("CPUAccounting=yes", boolean("CPUAccounting", true)),
	single("MemoryAccounting=no", boolean("MemoryAccounting", false)),
	single("IOAccounting=true", boolean("IOAccounting", true)),
	single("TasksAccounting=1", boolean("TasksAccounting", true)),

	// Execution.
	single(`Environment=A=1 "B=two words" C=\x41\n`,
		strs("Environment", "A=1", "B=two words", "C=A\n")),
	single("WorkingDirectory=/tmp", str("WorkingDirectory", "/tmp")),
	single("WorkingDirectory=-~", str("WorkingDirectory", "-~")),
	single("Nice=-5", i32("Nice", -5)),
	single("Nice=19", i32("Nice", 19)),
	single("RuntimeMaxSec=5min 3s", t64("RuntimeMaxUSec", 303_000_000)),
	single("RuntimeMaxSec=infinity", t64("RuntimeMaxUSec", maxU64)),
	single("TimeoutStopSec=1h", t64("TimeoutStopUSec", 3_600_000_000)),
	single("TimeoutStopSec=90", t64("TimeoutStopUSec", 90_000_000)),
	single("TimeoutStopSec=1.5s", t64("TimeoutStopUSec", 1_500_000)),
	single("TimeoutSec=2min",
		t64("TimeoutStartUSec", 120_000_000), t64("TimeoutStopUSec", 120_000_000)),
	single("KillMode=mixed", str("KillMode", "mixed")),
	single("KillMode=process", str("KillMode", "process")),
	single("KillSignal=SIGINT", i32("KillSignal", 2)),
	single("KillSignal=9", i32("KillSignal", 9)),
	single("KillSignal=RTMIN+2", i32("KillSignal", 36)),
	single("KillSignal=HUP", i32("KillSignal", 1)),
	{[]string{"LimitNOFILE=1024:4096"}, limit("LimitNOFILE", 1024, 4096)},
	{[]string{"LimitNOFILE=infinity"}, limit("LimitNOFILE", maxU64, maxU64)},
	{[]string{"LimitNPROC=100:infinity"}, limit("LimitNPROC", 100, maxU64)},
	{[]string{"LimitAS=1G"}, limit("LimitAS", 1<<30, 1<<30)},
	{[]string{"LimitCORE=0"}, limit("LimitCORE", 0, 0)},
	{[]string{"LimitCPU=1min"}, limit("LimitCPU", 60, 60)},
	{[]string{"LimitCPU=1500ms"}, limit("LimitCPU", 2, 2)},
	{[]string{"LimitRTTIME=5s"}, limit("LimitRTTIME", 5_000_000, 5_000_000)},
	{[]string{"LimitNICE=+10"}, limit("LimitNICE", 10, 10)},
	{[]string{"LimitNICE=-5"}, limit("LimitNICE", 25, 25)},
	{[]string{"LimitMEMLOCK=64K:128K"}, limit("LimitMEMLOCK", 64<<10, 128<<10)},
	single("Type=oneshot", str("Type", "oneshot")),
	single("Type=notify", str("Type", "notify")),
	single("Type=exec", str("Type", "exec")),
	single("RemainAfterExit=yes", boolean("RemainAfterExit", true)),
	single("ExecStartPre=-/bin/true arg", execs("ExecStartPre",
		bus.ExecStart{Path: "/bin/true", Argv: []string{"/bin/true", "arg"}, IgnoreFailed: true})),
	single("ExecStartPre=+/bin/true", execsEx("ExecStartPreEx",
		property.ExecEx{Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"privileged"}})),
	single("ExecStartPost=@/bin/echo echo 'hello world'", execs("ExecStartPost",
		bus.ExecStart{Path: "/bin/echo", Argv: []string{"echo", "hello world"}})),
	single("ExecStop=!!/bin/true", execsEx("ExecStopEx",
		property.ExecEx{Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"ambient"}})),
	single("ExecStop=!/bin/kill -TERM $MAINPID", execsEx("ExecStopEx",
		property.ExecEx{Path: "/bin/kill", Argv: []string{"/bin/kill", "-TERM", "$MAINPID"},
			Flags: []string{"no-setuid"}})),
	single(`ExecStopPost=-:/bin/sh -c "echo $X"`, execsEx("ExecStopPostEx",
		property.ExecEx{Path: "/bin/sh", Argv: []string{"/bin/sh", "-c", "echo $X"},
			Flags: []string{"ignore-failure", "no-env-expand"}})),
	single("ExecStopPost=", execs("ExecStopPost")),

	// More of what systemd-run accepts.
	single("PrivateUsers=yes", boolean("PrivateUsers", true)),
	single("PrivateMounts=yes", boolean("PrivateMounts", true)),
	single("PrivateIPC=yes", boolean("PrivateIPC", true)),
	single("MemoryDenyWriteExecute=yes", boolean("MemoryDenyWriteExecute", true)),
	single("RestrictRealtime=yes", boolean("RestrictRealtime", true)),
	single("RestrictSUIDSGID=yes", boolean("RestrictSUIDSGID", true)),
	single("LockPersonality=yes", boolean("LockPersonality", true)),
	single("RemoveIPC=yes", boolean("RemoveIPC", true)),
	single("BlockIOAccounting=yes", boolean("BlockIOAccounting", true)),
	single("SendSIGKILL=no", boolean("SendSIGKILL", false)),
	single("SendSIGHUP=yes", boolean("SendSIGHUP", true)),
	single("Restart=on-failure", str("Restart", "on-failure")),
	single("CollectMode=inactive-or-failed", str("CollectMode", "inactive-or-failed")),
	single("Description=a test unit", str("Description", "a test unit")),
	single("Slice=gostemd-test.slice", str("Slice", "gostemd-test.slice")),
	single("EnvironmentFile=-/etc/default/app", wire{"EnvironmentFiles", "a(sb)",
		[]property.EnvironmentFile{{Path: "/etc/default/app", IgnoreMissing: true}}}),
	single("EnvironmentFile=", wire{"EnvironmentFiles", "a(sb)", []property.EnvironmentFile{}}),
	single("ExecPaths=/usr/bin", strs("ExecPaths", "/usr/bin")),
	single("NoExecPaths=/", strs("NoExecPaths", "/")),
	single("TimeoutStartSec=30s", t64("TimeoutStartUSec", 30_000_000)),
	single("TimeoutAbortSec=10s", t64("TimeoutAbortUSec", 10_000_000)),
	single("RestartSec=250ms", t64("RestartUSec", 250_000)),
	single("WatchdogSec=20s", t64("WatchdogUSec", 20_000_000)),
	single("RuntimeRandomizedExtraSec=1min", t64("RuntimeRandomizedExtraUSec", 60_000_000)),
	single("RestartKillSignal=SIGHUP", i32("RestartKillSignal", 1)),
	single("FinalKillSignal=SIGQUIT", i32("FinalKillSignal", 3)),
	single("WatchdogSignal=SIGABRT", i32("WatchdogSignal", 6)),
	single("StartupCPUWeight=20", t64("StartupCPUWeight", 20)),
	single("StartupIOWeight=30", t64("StartupIOWeight", 30)),
	single("StartupAllowedCPUs=1", wire{"StartupAllowedCPUs", "ay", []byte{2, 0, 0, 0, 0, 0, 0, 0}}),
	single("AllowedMemoryNodes=0", wire{"AllowedMemoryNodes", "ay", []byte{1, 0, 0, 0, 0, 0, 0, 0}}),
	single("StartupAllowedMemoryNodes=0", wire{"StartupAllowedMemoryNodes", "ay",
		[]byte{1, 0, 0, 0, 0, 0, 0, 0}}),
	single("MemoryMin=64M", t64("MemoryMin", 64<<20)),
	single("MemoryLow=5%", wire{"MemoryLowScale", "u", uint32(214748365)}),
	single("ExecCondition=/bin/true", execs("ExecCondition",
		bus.ExecStart{Path: "/bin/true", Argv: []string{"/bin/true"}})),
	single("ExecReload=/bin/kill -HUP $MAINPID", execs("ExecReload",
		bus.ExecStart{Path: "/bin/kill", Argv: []string{"/bin/kill", "-HUP", "$MAINPID"}})),
	// A simple service takes one ExecStart=, and systemd-run adds its own.
	{[]string{"Type=oneshot", "ExecStart=/bin/echo first"}, []wire{str("Type", "oneshot"),
		execs("ExecStart", bus.ExecStart{Path: "/bin/echo", Argv: []string{"/bin/echo", "first"}})}},
	{[]string{"LimitFSIZE=1M"}, limit("LimitFSIZE", 1<<20, 1<<20)},
	{[]string{"LimitDATA=1G:2G"}, limit("LimitDATA", 1<<30, 2<<30)},
	{[]string{"LimitSTACK=8M"}, limit("LimitSTACK", 8<<20, 8<<20)},
	{[]string{"LimitRSS=infinity"}, limit("LimitRSS", maxU64, maxU64)},
	{[]string{"LimitLOCKS=100"}, limit("LimitLOCKS", 100, 100)},
	{[]string{"LimitSIGPENDING=500"}, limit("LimitSIGPENDING", 500, 500)},
	{[]string{"LimitMSGQUEUE=800K"}, limit("LimitMSGQUEUE", 800<<10, 800<<10)},
	{[]string{"LimitRTPRIO=0:10"}, limit("LimitRTPRIO", 0, 10)},

	// Value syntaxes.
	single("MemoryMax=1G 512M", t64("MemoryMax", 3<<29)),
	single("MemoryMax=10.5K", t64("MemoryMax", 10752)),
	single("MemoryHigh=1.5 G", t64("MemoryHigh", 3<<29)),
	single("TasksMax=0x10", t64("TasksMax", 16)),
	single("TasksMax=010", t64("TasksMax", 8)),
	single("RuntimeMaxSec=1h30min", t64("RuntimeMaxUSec", 5_400_000_000)),
	single("RuntimeMaxSec=0.5", t64("RuntimeMaxUSec", 500_000)),
	single("RuntimeMaxSec=1.5", t64("RuntimeMaxUSec", 1_500_000)),
	single("RuntimeMaxSec=5 min", t64("RuntimeMaxUSec", 300_000_000)),
	single("RuntimeMaxSec=1y", t64("RuntimeMaxUSec", 31_557_600_000_000)),
	single("RuntimeMaxSec=2M", t64("RuntimeMaxUSec", 5_259_600_000_000)),
	single("RuntimeMaxSec=100 ms", t64("RuntimeMaxUSec", 100_000)),
	single("RuntimeMaxSec=3us", t64("RuntimeMaxUSec", 3)),
	single("RuntimeMaxSec=1d 2h", t64("RuntimeMaxUSec", 93_600_000_000)),
	single("TimeoutStopSec=infinity", t64("TimeoutStopUSec", maxU64)),
	single("Nice=0x5", i32("Nice", 5)),
	single("CPUQuota=12.34%", t64("CPUQuotaPerSecUSec", 123_400)),
	single("CPUQuota=50‰", t64("CPUQuotaPerSecUSec", 50_000)),
	single("CPUQuota=1‱", t64("CPUQuotaPerSecUSec", 100)),
	single("KillSignal=SIGRTMIN", i32("KillSignal", 34)),
	single("KillSignal=RTMAX-1", i32("KillSignal", 63)),
	single("KillSignal=SIGUSR1", i32("KillSignal", 10)),
	single("AllowedCPUs=3-1", wire{"AllowedCPUs", "ay", make([]byte, 8)}),
	single("AllowedCPUs=", wire{"AllowedCPUs", "ay", []byte{}}),
	single("AllowedCPUs=1,2 5-6", wire{"AllowedCPUs", "ay", []byte{0x66, 0, 0, 0, 0, 0, 0, 0}}),
	{[]string{"LimitNOFILE=0x100"}, limit("LimitNOFILE", 256, 256)},
	{[]string{"LimitAS=1.5G"}, limit("LimitAS", 3<<29, 3<<29)},
	{[]string{"LimitRTTIME=infinity"}, limit("LimitRTTIME", maxU64, maxU64)},
	{[]string{"LimitCPU=infinity"}, limit("LimitCPU", maxU64, maxU64)},
	single(`Environment='A=single quoted' B=\t`, strs("Environment", "A=single quoted", "B=\t")),
	single("ExecStartPre=-@/bin/echo hello world", execs("ExecStartPre",
		bus.ExecStart{Path: "/bin/echo", Argv: []string{"hello", "world"}, IgnoreFailed: true})),
	single("IPAddressAllow=::ffff:1.2.3.4 127.0.0.1/8", ips("IPAddressAllow",
		ip6(128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4), ip4(127, 0, 0, 1, 8))),
	single("CapabilityBoundingSet=0 1 Cap_Kill", t64("CapabilityBoundingSet", 1<<0|1<<1|1<<5)),
	single("RestrictAddressFamilies=af_unix", filter("RestrictAddressFamilies", true, "af_unix")),
	single(`SystemCallFilter="@system-service"`, filter("SystemCallFilter", true, "@system-service")),
	single("User=", str("User", "")),
	single("ProtectSystem=true", str("ProtectSystem", "true")),

	// Several assignments of one property add up, and an empty one resets.
	{[]string{"Environment=A=1", "Environment=B=2 A=3"},
		[]wire{strs("Environment", "A=1"), strs("Environment", "B=2", "A=3")}},
	{[]string{"Environment=A=1", "Environment=", "Environment=B=2"},
		[]wire{strs("Environment", "A=1"), strs("Environment"), strs("Environment", "B=2")}},
	{[]string{"ReadOnlyPaths=/usr", "ReadOnlyPaths=/etc"},
		[]wire{strs("ReadOnlyPaths", "/usr"), strs("ReadOnlyPaths", "/etc")}},
	{[]string{"ReadOnlyPaths=/usr", "ReadOnlyPaths="},
		[]wire{strs("ReadOnlyPaths", "/usr"), strs("ReadOnlyPaths")}},
	{[]string{"IPAddressDeny=any", "IPAddressDeny=", "IPAddressDeny=10.0.0.0/8"},
		[]wire{ips("IPAddressDeny", ip4(0, 0, 0, 0, 0), ip6(0)), ips("IPAddressDeny"),
			ips("IPAddressDeny", ip4(10, 0, 0, 0, 8))}},
	{[]string{"ExecStartPre=/bin/true", "ExecStartPre=/bin/false"},
		[]wire{
			execs("ExecStartPre", bus.ExecStart{Path: "/bin/true", Argv: []string{"/bin/true"}}),
			execs("ExecStartPre", bus.ExecStart{Path: "/bin/false", Argv: []string{"/bin/false"}}),
		}},
	{[]string{"SystemCallFilter=@system-service", "SystemCallFilter=~@mount"},
		[]wire{filter("SystemCallFilter", true, "@system-service"),
			filter("SystemCallFilter", false, "@mount")}},
	{[]string{"BindPaths=/a", "BindPaths=", "BindPaths=/b"},
		[]wire{
			{"BindPaths", "a(ssbt)", []property.BindMount{{Source: "/a", Destination: "/a", Flags: 0x4000}}},
			{"BindPaths", "a(ssbt)", []property.BindMount{}},
			{"BindPaths", "a(ssbt)", []property.BindMount{{Source: "/b", Destination: "/b", Flags: 0x4000}}},
		}},
	{[]string{"CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=CAP_KILL"},
		[]wire{t64("CapabilityBoundingSet", 1<<0), t64("CapabilityBoundingSet", 1<<5)}},
}

// badCases are assignments ParseProperty refuses, with the error message.
var badCases = []struct {
	assign  string
	unknown bool
	msg     string
}{
	{"MemoryMax=10Q", false, `parse property "MemoryMax=10Q": invalid size "10Q"`},
	{"Bogus=1", true, `parse property "Bogus=1": unknown property Bogus`},
	{"memorymax=1", true, `parse property "memorymax=1": unknown property memorymax`},
	{"=10M", true, `parse property "=10M": no property name`},
	{"no equals sign", false, `parse property "no equals sign": not an assignment (want Name=value)`},
	{"CPUQuota=0%", false, `parse property "CPUQuota=0%": invalid CPU quota "0%" (too small)`},
	{"CPUQuota=20", false,
		`parse property "CPUQuota=20": invalid CPU quota "20" (want a percentage such as 20%)`},
	{"MemoryMax=-1", false, `parse property "MemoryMax=-1": invalid size "-1"`},
	{"MemoryMax=150%", false, `parse property "MemoryMax=150%": invalid size "150%"`},
	{"Nice=20", false, `parse property "Nice=20": invalid nice level "20" (want -20 to 19)`},
	{"KillMode=bogus", false, `parse property "KillMode=bogus": invalid value "bogus" ` +
		`(want one of control-group, process, mixed, none)`},
	{"ReadOnlyPaths=relative", false,
		`parse property "ReadOnlyPaths=relative": invalid path "relative" (want an absolute path)`},
	{"LimitNOFILE=2:1", false,
		`parse property "LimitNOFILE=2:1": invalid resource limit "2:1": soft limit above hard limit`},
	{"LimitNOFILE=1:2:3", false,
		`parse property "LimitNOFILE=1:2:3": invalid resource limit "1:2:3": ` +
			`too many colons (want soft:hard)`},
	{"CapabilityBoundingSet=CAP_BOGUS", false,
		`parse property "CapabilityBoundingSet=CAP_BOGUS": invalid capability "CAP_BOGUS"`},
	{"IPAddressAllow=10.0.0.0/33", false,
		`parse property "IPAddressAllow=10.0.0.0/33": invalid IP address prefix "10.0.0.0/33"`},
	{"IPAddressAllow=any 10.0.0.0/8", false,
		`parse property "IPAddressAllow=any 10.0.0.0/8": invalid IP address prefix "any"`},
	{"Environment=1A=b", false, `parse property "Environment=1A=b": ` +
		`invalid environment assignment "1A=b" (want KEY=value)`},
	{"Environment=A=1 A=2", false, `parse property "Environment=A=1 A=2": ` +
		`invalid environment list "A" (variable set twice)`},
	{`Environment="A=1`, false,
		`parse property "Environment=\"A=1": invalid environment list "\"A=1": bad quoting or escaping`},
	{"BindPaths=/a:/b:bogus", false,
		`parse property "BindPaths=/a:/b:bogus": invalid bind mount "/a:/b:bogus": ` +
			`unknown option (want rbind or norbind)`},
	{"SystemCallFilter=@bogus", false,
		`parse property "SystemCallFilter=@bogus": invalid system call "@bogus"`},
	{"SystemCallFilter=ptrace:EPERM", false,
		`parse property "SystemCallFilter=ptrace:EPERM": invalid system call "ptrace:EPERM"`},
	{"RestrictAddressFamilies=AF_BOGUS", false,
		`parse property "RestrictAddressFamilies=AF_BOGUS": invalid address family "AF_BOGUS"`},
	{"TimeoutStopSec=5.", false, `parse property "TimeoutStopSec=5.": invalid time span "5."`},
	{"RuntimeMaxSec=", false, `parse property "RuntimeMaxSec=": invalid time span ""`},
	{"PrivateTmp=maybe", false, `parse property "PrivateTmp=maybe": invalid boolean "maybe"`},
	{"KillSignal=SIGBOGUS", false, `parse property "KillSignal=SIGBOGUS": invalid signal "SIGBOGUS"`},
	{"KillSignal=65", false, `parse property "KillSignal=65": invalid signal "65"`},
	{"AllowedCPUs=3-", false, `parse property "AllowedCPUs=3-": invalid CPU range "3-"`},
	{"ExecStart=bin/true", false, `parse property "ExecStart=bin/true": ` +
		`invalid command "bin/true" (want an absolute path or a file name)`},
	{"ExecStartPre=@/bin/true", false, `parse property "ExecStartPre=@/bin/true": ` +
		`invalid command line "@/bin/true" (want argv[0] after the path of "@")`},
	{"User=a:b", false, `parse property "User=a:b": invalid user or group name "a:b"`},
	{"ProtectSystem=maybe", false, `parse property "ProtectSystem=maybe": ` +
		`invalid value "maybe" (want a boolean, full, strict)`},
	{`Environment=A=\xff`, false,
		`parse property "Environment=A=\\xff": value is not valid UTF-8 or contains NUL`},
}
