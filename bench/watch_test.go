package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/testbed"
)

const (
	// watchedUnits is how many units each watcher follows.
	watchedUnits = 200

	// watchWindow is how long CPU time is counted.
	watchWindow = 10 * time.Second

	// watchSettle is how long a watcher runs before the window opens, so
	// that setting up its subscription is not counted.
	watchSettle = 2 * time.Second

	// toggleEvery is how often the busy scenario changes a unit's state.
	toggleEvery = 100 * time.Millisecond
)

// watchedNames are the units the watchers follow: oneshot services that
// remain active after running true, so they stay loaded without a process.
// The first one is the unit the busy scenario stops and starts.
var watchedNames = func() []string {
	names := make([]string, watchedUnits)
	for i := range names {
		names[i] = fmt.Sprintf("bench-watched-%03d.service", i)
	}
	return names
}()

// watchers are the clients measured, each run by a helper of that name. An
// empty helper measures systemd with no watcher at all.
var watchers = []struct{ name, helper string }{
	{"no-watcher", ""},
	{"raw-godbus-floor", "watch-floor"},
	{"go-systemd/SubscriptionSet", "watch-go-systemd"},
	{"gostemd/watch.Units", "watch-gostemd"},
}

// BenchmarkWatch200 measures the CPU time of a client watching 200 units for
// 10 s, with nothing happening and with one of them changing state every
// 100 ms, and of one watching a single unit while another changes state
// every 100 ms, together with the CPU time systemd (PID 1) and dbus-daemon
// spent meanwhile. Each client runs in a helper process, which reports its own
// getrusage times when asked; systemd's and dbus-daemon's come from
// /proc/<pid>/stat. It is meant to run once: -benchtime=1x.
func BenchmarkWatch200(b *testing.B) {
	testbed.Require(b)
	prepareWatchedUnits(b)

	for _, sc := range watchScenarios {
		for _, w := range watchers {
			b.Run(sc.name+"/"+w.name, func(b *testing.B) {
				if w.helper != "" && !hasHelper(w.helper) {
					b.Skipf("not measured: helper %s is not built in", w.helper)
				}
				m := oneOff(b, func() (map[string]float64, error) {
					return measureWatcher(w.helper, sc.watched, sc.busy)
				})
				for unit, v := range m {
					b.ReportMetric(v, unit)
				}
			})
		}
	}
}

var prepareOnce sync.Once

// prepareWatchedUnits writes the watched units' files and starts them all.
func prepareWatchedUnits(b *testing.B) {
	var err error
	prepareOnce.Do(func() {
		const content = "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
		if err = os.MkdirAll(testbed.UnitDir, 0o755); err != nil {
			return
		}
		for _, name := range watchedNames {
			path := filepath.Join(testbed.UnitDir, name)
			if err = os.WriteFile(path, []byte(content), 0o644); err != nil {
				return
			}
		}
		if err = systemctl("daemon-reload"); err != nil {
			return
		}
		err = systemctl(append([]string{"start"}, watchedNames...)...)
	})
	if err != nil {
		b.Fatal(err)
	}
}

func systemctl(args ...string) error {
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", args[0], err, out)
	}
	return nil
}

// watchScenarios are the situations the watchers are measured in: all 200
// units watched, with nothing happening or with the first of them stopped
// and started in turn; and only the second watched, while the first is
// stopped and started.
var watchScenarios = []struct {
	name    string
	watched []string
	busy    bool
}{
	{"idle", watchedNames, false},
	{"one-change-per-100ms", watchedNames, true},
	{"one-unit-watched-another-changing", watchedNames[1:2], true},
}

// measureWatcher runs one watcher (none if helper is empty) of the named
// units through a window, with the first of watchedNames stopped and
// started all along if busy, and returns the CPU times, in milliseconds,
// and the events seen.
func measureWatcher(helper string, names []string, busy bool) (map[string]float64, error) {
	var client *watcherProc
	if helper != "" {
		var err error
		if client, err = startWatcher(helper, names); err != nil {
			return nil, err
		}
		defer client.stop()
	}
	time.Sleep(watchSettle)

	before, err := takeSample(client)
	if err != nil {
		return nil, err
	}

	toggles := 0
	if busy {
		if toggles, err = toggleUnit(watchedNames[0], watchWindow); err != nil {
			return nil, err
		}
	} else {
		time.Sleep(watchWindow)
	}

	after, err := takeSample(client)
	if err != nil {
		return nil, err
	}
	m := after.since(before, toggles)

	// What one question costs the client itself, asked again at once: the
	// window's figure includes one such answer.
	if client != nil {
		again, _, err := client.ask()
		if err != nil {
			return nil, err
		}
		m["ask-cpu-ms"] = float64(again-after.client) / float64(time.Millisecond)
	}
	if client != nil && !busy {
		n, err := countSyscalls(client.cmd.Process.Pid, straceWindow)
		if err != nil {
			return nil, err
		}
		m["idle-syscalls"] = float64(n)
	}
	return m, nil
}

// straceWindow is how long an idle watcher's system calls are counted,
// after its CPU time has been.
const straceWindow = 5 * time.Second

// countSyscalls counts the system calls a process and its threads make in a
// window, under strace: each one that returns, including a wait begun
// before the window (a wakeup). Calls still blocked when the window closes
// are not counted.
func countSyscalls(pid int, window time.Duration) (int, error) {
	out := filepath.Join(os.TempDir(), fmt.Sprintf("gostemd-bench-strace-%d", pid))
	defer os.Remove(out)

	secs := fmt.Sprintf("%.0f", window.Seconds())
	cmd := exec.Command("timeout", "-s", "INT", secs, "strace", "-f", "-qq", "-o", out, "-p", fmt.Sprint(pid))
	if msg, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 124 {
		return 0, fmt.Errorf("strace: %w: %s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}

	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "(") && !strings.Contains(l, "<unfinished ...>") &&
			!strings.Contains(l, "<detached ...>") {
			n++
		}
	}
	return n, nil
}

// sample is the CPU time of the processes involved at one moment: systemd
// and dbus-daemon both from schedstat (ns) and from stat (clock ticks).
type sample struct {
	wall                   time.Time
	systemd, dbusd         time.Duration
	systemdStat, dbusdStat time.Duration
	client                 time.Duration
	events                 int64
	hasClient              bool
}

func takeSample(client *watcherProc) (sample, error) {
	s := sample{wall: time.Now()}
	dbusd, err := findProcess("dbus-daemon")
	if err != nil {
		return s, err
	}
	for _, p := range []struct {
		pid          int
		sched, ticks *time.Duration
	}{{1, &s.systemd, &s.systemdStat}, {dbusd, &s.dbusd, &s.dbusdStat}} {
		if *p.sched, err = schedCPU(p.pid); err != nil {
			return s, err
		}
		if *p.ticks, err = procCPU(p.pid); err != nil {
			return s, err
		}
	}
	if client != nil {
		s.hasClient = true
		s.client, s.events, err = client.ask()
	}
	return s, err
}

func (s sample) since(before sample, toggles int) map[string]float64 {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	m := map[string]float64{
		"window-s":        s.wall.Sub(before.wall).Seconds(),
		"systemd-cpu-ms":  ms(s.systemd - before.systemd),
		"systemd-stat-ms": ms(s.systemdStat - before.systemdStat),
		"dbus-cpu-ms":     ms(s.dbusd - before.dbusd),
		"dbus-stat-ms":    ms(s.dbusdStat - before.dbusdStat),
		"state-changes":   float64(toggles),
	}
	if s.hasClient {
		m["client-cpu-ms"] = ms(s.client - before.client)
		m["events"] = float64(s.events - before.events)
	}
	return m
}

// toggleUnit stops and starts a unit in turn, one call every toggleEvery,
// for the length of the window, without waiting for the jobs. It returns
// the number of calls.
func toggleUnit(name string, window time.Duration) (int, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	mgr := conn.Object(systemdName, systemdPath)

	tick := time.NewTicker(toggleEvery)
	defer tick.Stop()
	end := time.After(window)
	n := 0
	for {
		select {
		case <-end:
			return n, nil
		case <-tick.C:
			method := "StopUnit"
			if n%2 == 1 {
				method = "StartUnit"
			}
			if err := mgr.Call(managerIface+"."+method, 0, name, "replace").Err; err != nil {
				return n, fmt.Errorf("%s %s: %w", method, name, err)
			}
			n++
		}
	}
}

// watcherProc is a running watcher helper. Each line written to its standard
// input makes it answer with its CPU time in nanoseconds and the number of
// events it has seen; end of input stops it.
type watcherProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startWatcher(helper string, names []string) (*watcherProc, error) {
	argv := testbed.HelperCommand(helper, names...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}

	w := &watcherProc{cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := w.out.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		w.stop()
		return nil, fmt.Errorf("watcher %s did not get ready: %q %v", helper, line, err)
	}
	return w, nil
}

func (w *watcherProc) ask() (cpu time.Duration, events int64, err error) {
	if _, err := io.WriteString(w.in, "?\n"); err != nil {
		return 0, 0, err
	}
	line, err := w.out.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("read watcher's answer: %w", err)
	}
	var ns int64
	if _, err := fmt.Sscan(line, &ns, &events); err != nil {
		return 0, 0, fmt.Errorf("read watcher's answer %q: %w", line, err)
	}
	return time.Duration(ns), events, nil
}

func (w *watcherProc) stop() {
	w.in.Close()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

// serveWatcher is the helper side of watcherProc: it says it is ready, then
// answers each line of input with its CPU time and the events counted, until
// the input ends.
//
// With GOSTEMD_BENCH_PROFILE set to a directory, the helper writes a CPU
// profile of its time after ready there (watch-<pid>.pprof), to find where
// a watcher spends it.
func serveWatcher(events func() int64) int {
	if dir := os.Getenv("GOSTEMD_BENCH_PROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("watch-%d.pprof", os.Getpid())))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Printf("%d %d\n", selfCPU().Nanoseconds(), events())
	}
	return 0
}

func hasHelper(name string) bool {
	for _, h := range helpers {
		if h.Name == name {
			return true
		}
	}
	return false
}

// oneOffResults keeps each one-off measurement, so that the framework
// calling a benchmark again with a larger b.N does not repeat it.
var oneOffResults = map[string]map[string]float64{}

func oneOff(b *testing.B, measure func() (map[string]float64, error)) map[string]float64 {
	if m, ok := oneOffResults[b.Name()]; ok && b.N > 1 {
		return m
	}
	m, err := measure()
	if err != nil {
		b.Fatal(err)
	}
	oneOffResults[b.Name()] = m
	return m
}
