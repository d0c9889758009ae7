package property

import "strings"

// capabilities are the Linux capability names systemd 252 knows, by
// number.
var capabilities = []string{
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
}

// capability returns the number of a capability given by name (in any
// case) or number.
func capability(s string) (int, bool) {
	if n, err := parseInt(s, 0, 63); err == nil {
		return int(n), true
	}
	for i, name := range capabilities {
		if strings.EqualFold(s, name) {
			return i, true
		}
	}
	return 0, false
}

// addressFamilies are the socket address family names systemd accepts
// in RestrictAddressFamilies=, upper case. Aliases such as AF_LOCAL and
// AF_FILE count too.
var addressFamilies = map[string]bool{}

func init() {
	for _, af := range strings.Fields(`AF_LOCAL AF_UNIX AF_FILE AF_INET AF_AX25
		AF_IPX AF_APPLETALK AF_NETROM AF_BRIDGE AF_ATMPVC AF_X25 AF_INET6 AF_ROSE
		AF_DECnet AF_NETBEUI AF_SECURITY AF_KEY AF_NETLINK AF_ROUTE AF_PACKET
		AF_ASH AF_ECONET AF_ATMSVC AF_RDS AF_SNA AF_IRDA AF_PPPOX AF_WANPIPE
		AF_LLC AF_IB AF_MPLS AF_CAN AF_TIPC AF_BLUETOOTH AF_IUCV AF_RXRPC
		AF_ISDN AF_PHONET AF_IEEE802154 AF_CAIF AF_ALG AF_NFC AF_VSOCK AF_KCM
		AF_QIPCRTR AF_SMC AF_XDP AF_MCTP`) {
		addressFamilies[strings.ToUpper(af)] = true
	}
}

// syscallGroups are the system call sets of systemd 252 (systemd-analyze
// syscall-filter lists them).
var syscallGroups = map[string]bool{}

func init() {
	for _, g := range strings.Fields(`@default @aio @basic-io @chown @clock
		@cpu-emulation @debug @file-system @io-event @ipc @keyring @memlock
		@module @mount @network-io @obsolete @pkey @privileged @process @raw-io
		@reboot @resources @setuid @signal @swap @sync @system-service @timer
		@known`) {
		syscallGroups[g] = true
	}
}

// signals are the classic signal names without "SIG", by number.
var signals = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7,
	"FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13,
	"ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
	"TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
	"VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
}

// Real-time signals as glibc numbers them on Linux.
const (
	sigRTMin = 34
	sigRTMax = 64
)

// signal reads a signal the way systemd's signal_from_string does: a
// number, a name with or without "SIG" ("TERM", "SIGKILL"), or "RTMIN+n"
// and "RTMAX-n".
func signal(s string) (int, bool) {
	if _, _, err := parseC(s); err == nil {
		n, err := parseInt(s, 1, sigRTMax)
		return int(n), err == nil
	}

	s = strings.TrimPrefix(s, "SIG")
	if n, ok := signals[s]; ok {
		return n, true
	}
	if rest, ok := strings.CutPrefix(s, "RTMIN"); ok {
		return realtimeSignal(rest, '+', sigRTMin)
	}
	if rest, ok := strings.CutPrefix(s, "RTMAX"); ok {
		return realtimeSignal(rest, '-', sigRTMax)
	}
	return 0, false
}

// realtimeSignal reads the "+n" after RTMIN or the "-n" after RTMAX.
func realtimeSignal(rest string, sign byte, base int) (int, bool) {
	if rest == "" {
		return base, true
	}
	if rest[0] != sign {
		return 0, false
	}

	n, err := parseInt(rest, -(sigRTMax - sigRTMin), sigRTMax-sigRTMin)
	if err != nil || (sign == '+') != (n >= 0) && n != 0 {
		return 0, false
	}
	return base + int(n), true
}
