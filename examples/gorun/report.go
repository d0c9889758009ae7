package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/run"
)

// printResult prints what systemd-run --wait prints once the unit has
// stopped, leaving out the lines whose values systemd did not report.
func printResult(w io.Writer, r *run.Result, scope bool) {
	if r.UnitResult != "" {
		fmt.Fprintf(w, "Finished with result: %s\n", r.UnitResult)
	}
	if r.Code != 0 {
		fmt.Fprintf(w, "Main processes terminated with: code=%s, status=%d/%s\n",
			r.Code, r.Status, statusName(r))
	}

	kind := "Service"
	if scope {
		kind = "Scope"
	}
	if r.Runtime > 0 {
		fmt.Fprintf(w, "%s runtime: %s\n", kind, timespan(r.Runtime))
	}
	if u := r.Usage.CPUUsage; u != nil {
		fmt.Fprintf(w, "CPU time consumed: %s\n", timespan(u.Round(time.Microsecond)))
	}
	if p := r.Usage.MemoryPeak; p != nil {
		fmt.Fprintf(w, "Memory peak: %s\n", byteSize(*p))
	}
	printPair(w, "IP traffic", "received", r.Usage.IPIngressBytes, "sent", r.Usage.IPEgressBytes)
	printPair(w, "IO bytes", "read", r.Usage.IOReadBytes, "written", r.Usage.IOWriteBytes)
}

// printPair prints a line of two counters, leaving out those that are
// unknown or zero, and the whole line if both are.
func printPair(w io.Writer, title, name1 string, v1 *uint64, name2 string, v2 *uint64) {
	line := title
	for _, c := range []struct {
		name string
		v    *uint64
	}{{name1, v1}, {name2, v2}} {
		if c.v != nil && *c.v != 0 {
			line += " " + c.name + ": " + byteSize(*c.v)
		}
	}
	if line != title {
		fmt.Fprintln(w, line)
	}
}

// statusName names an exit status or a signal as systemd does: "TERM",
// "NOTIMPLEMENTED", "EXEC", or "n/a" for a status without a name.
func statusName(r *run.Result) string {
	if r.Code != 1 { // killed or dumped: Status is a signal
		return strings.TrimPrefix(unix.SignalName(syscall.Signal(r.Status)), "SIG")
	}
	if name, ok := exitStatusNames[r.Status]; ok {
		return name
	}
	return "n/a"
}

// exitStatusNames are the exit statuses systemd has names for: those of
// the LSB and systemd's own (see "Process Exit Codes" in systemd.exec(5)).
var exitStatusNames = map[int]string{
	0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED",
	4: "NOPERMISSION", 5: "NOTINSTALLED", 6: "NOTCONFIGURED", 7: "NOTRUNNING",
	200: "CHDIR", 201: "NICE", 202: "FDS", 203: "EXEC", 204: "MEMORY", 205: "LIMITS",
	206: "OOM_ADJUST", 207: "SIGNAL_MASK", 208: "STDIN", 209: "STDOUT", 210: "CHROOT",
	211: "IOPRIO", 212: "TIMERSLACK", 213: "SECUREBITS", 214: "SETSCHEDULER",
	215: "CPUAFFINITY", 216: "GROUP", 217: "USER", 218: "CAPABILITIES", 219: "CGROUP",
	220: "SETSID", 221: "CONFIRM", 222: "STDERR", 224: "PAM", 225: "NETWORK",
	226: "NAMESPACE", 227: "NO_NEW_PRIVILEGES", 228: "SECCOMP", 229: "SELINUX_CONTEXT",
	230: "PERSONALITY", 231: "APPARMOR_PROFILE", 232: "ADDRESS_FAMILIES",
	233: "RUNTIME_DIRECTORY", 235: "CHOWN", 236: "SMACK_PROCESS_LABEL", 237: "KEYRING",
	238: "STATE_DIRECTORY", 239: "CACHE_DIRECTORY", 240: "LOGS_DIRECTORY",
	241: "CONFIGURATION_DIRECTORY", 242: "NUMA_POLICY", 243: "CREDENTIALS", 245: "BPF",
}

// timespan formats a duration to the millisecond as systemd does:
// "12ms", "1.502s", "2min 3.1s", "1h 2min 3s".
func timespan(d time.Duration) string {
	d = d.Round(time.Millisecond)
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}

	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}} {
		if d >= u.d {
			parts = append(parts, strconv.FormatInt(int64(d/u.d), 10)+u.name)
			d %= u.d
		}
	}

	secs := strconv.FormatInt(int64(d/time.Second), 10)
	if ms := d % time.Second; ms != 0 {
		secs += "." + strings.TrimRight(fmt.Sprintf("%03d", ms.Milliseconds()), "0")
	}
	if d != 0 {
		parts = append(parts, secs+"s")
	}
	return strings.Join(parts, " ")
}

// byteSize formats a size in base 1024 with one decimal, as systemd does:
// "512B", "1.5K", "200.0M".
func byteSize(n uint64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}

	div, i := uint64(1024), 0
	for n/div >= 1024 && i < len(units)-1 {
		div *= 1024
		i++
	}
	tenths := n % div * 10 / div
	return fmt.Sprintf("%d.%d%c", n/div, tenths, units[i])
}
