package main

import (
	"fmt"
	"strings"
)

// A line of the table: one client's figure in one measurement, and its
// ratio to the measurement's baseline, taken in the same run.
type line struct {
	row, measure, client, result, ratio string
}

// report builds the table and the list of targets from the results.
type report struct {
	r       results
	lines   []line
	targets [][3]string
}

const notMeasured = "**not measured**"

func render(m *machine, r results) string {
	rep := &report{r: r}
	rep.runToExit()
	rep.runMessages()
	rep.runSteps()
	rep.properties()
	rep.watch()
	rep.concurrent()
	rep.micro()
	rep.evaluateTargets()

	var b strings.Builder
	writeMachine(&b, m)
	b.WriteString("\n## Results\n\n")
	b.WriteString("Every figure comes from the one run described above. Ratios are to the\n")
	b.WriteString("baseline of the same measurement, marked *baseline*; lower is better.\n\n")
	b.WriteString("| # | measurement | client | result | × baseline |\n|---|---|---|---|---|\n")
	for _, l := range rep.lines {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", l.row, l.measure, l.client, l.result, l.ratio)
	}
	b.WriteString("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	for _, t := range rep.targets {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t[0], t[1], t[2])
	}
	b.WriteString(notes)
	return b.String()
}

func writeMachine(b *strings.Builder, m *machine) {
	fmt.Fprintf(b, "# gostemd benchmarks\n\nWritten by `make bench` on %s.\n\n", m.Date)
	fmt.Fprintf(b, "| | |\n|---|---|\n")
	for _, kv := range [][2]string{
		{"CPU", fmt.Sprintf("%s, %d cores", m.CPU, m.Cores)},
		{"kernel", m.Kernel},
		{"systemd", m.Systemd + " (throwaway container booted by the test bed; the benchmarks run inside it)"},
		{"dbus", m.DBus},
		{"Go", m.Go},
		{"compared libraries", m.Libraries},
		{"gostemd", m.Gostemd},
		{"settings", m.Settings},
	} {
		fmt.Fprintf(b, "| %s | %s |\n", kv[0], kv[1])
	}
}

func (rep *report) add(l line) { rep.lines = append(rep.lines, l) }

func (rep *report) target(what, measured string, met bool, ok bool) {
	verdict := "no"
	switch {
	case !ok:
		verdict, measured = notMeasured, notMeasured
	case met:
		verdict = "yes"
	}
	rep.targets = append(rep.targets, [3]string{what, measured, verdict})
}

// ratio formats value/base, or says why there is none.
func ratio(value, base float64, vok, bok bool) string {
	switch {
	case !vok || !bok:
		return "–"
	case base == 0 && value == 0:
		return "1.00× (both 0)"
	case base == 0:
		return "∞ (baseline 0)"
	}
	return fmt.Sprintf("%.2f×", value/base)
}

func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func millis(ms float64) string {
	if ms < 1 && ms > 0 {
		return fmt.Sprintf("%.3f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// entry names one client of a measurement: its benchmark and its label.
type entry struct{ bench, label string }

// timed adds one line per entry for a per-operation measurement in ns/op;
// the first entry is the baseline.
func (rep *report) timed(row, measure string, entries []entry, extra func(string) string) {
	nsPerOp := func(e entry) (float64, bool) { return rep.r.median(e.bench, "ns/op") }
	rep.timedBy(row, measure, entries, nsPerOp, extra)
}

// timedBy is timed with each entry's figure, in ns, given by figure.
func (rep *report) timedBy(row, measure string, entries []entry,
	figure func(entry) (float64, bool), extra func(string) string,
) {
	base, bok := figure(entries[0])
	for i, e := range entries {
		v, ok := figure(e)
		l := line{row: row, measure: measure, client: e.label, result: notMeasured, ratio: "–"}
		if ok {
			l.result = duration(v) + extra(e.bench)
			l.ratio = ratio(v, base, ok, bok)
		}
		if i == 0 {
			l.ratio = "*baseline*"
		}
		rep.add(l)
	}
}

func noExtra(string) string { return "" }

func (rep *report) allocs(bench string) string {
	a, ok := rep.r.median(bench, "allocs/op")
	by, _ := rep.r.median(bench, "B/op")
	if !ok {
		return ""
	}
	return fmt.Sprintf("; %.0f allocs, %.0f B", a, by)
}

const (
	// Row 1's clients, metrics of the one interleaved RunToExit benchmark.
	runToExitBench = "RunToExit"
	floorRun       = "floor-ns/run"
	floorUsageRun  = "floor-usage-ns/run"
	sharedRun      = "gostemd-shared-ns/run"
	noUsageRun     = "gostemd-shared-nousage-ns/run"
	ownRun         = "gostemd-own-ns/run"
	gsdRun         = "go-systemd-ns/run"
	systemdRunRun  = "systemd-run-ns/run"

	propsHeld  = "Properties/gostemd/Properties+Service"
	propsSnap  = "Properties/gostemd/Snapshot"
	propsName  = "Properties/gostemd/Show"
	propsGSD   = "Properties/go-systemd/GetUnitProperties+GetUnitTypeProperties"
	propsShow  = "Properties/systemctl-show"
	watchNone  = "no-watcher"
	watchGSD   = "go-systemd/SubscriptionSet"
	watchOurs  = "gostemd/watch.Units"
	watchFloor = "raw-godbus-floor"
	concOurs   = "Concurrent200/gostemd/run-shared-Conn"
	concSDRun  = "Concurrent200/systemd-run--wait"
	notifyGSD  = "Notify/go-systemd/SdNotify"
	filesGSD   = "Activation/Files/go-systemd/Files"
	filesOurs  = "Activation/Files/gostemd/Adopt"
	listenGSD  = "Activation/Listeners/go-systemd/ListenersWithNames"
	listenOurs = "Activation/Listeners/gostemd/Adopt+Listener"
)

func (rep *report) runToExit() {
	// The entries' bench is the metric of the one RunToExit benchmark.
	rep.timedBy("1", "run-to-exit latency of `true` as a transient service", []entry{
		{floorRun, "raw godbus floor: Subscribe once, then StartTransientUnit and signals only"},
		{floorUsageRun, "raw godbus floor with usage: as above with AddRef, then after the end one Get per counter and UnrefUnit, sent at once"},
		{noUsageRun, "gostemd `run`, shared Conn, `NoUsage` (result from the signals alone)"},
		{sharedRun, "gostemd `run`, shared Conn (result with resource usage)"},
		{ownRun, "gostemd `run`, no Conn given: the package's default connection"},
		{gsdRun, "go-systemd: StartTransientUnit + job channel + PropertiesChanged, subscribed before start"},
		{systemdRunRun, "`systemd-run --wait --quiet true`"},
	}, func(e entry) (float64, bool) { return rep.r.median(runToExitBench, e.bench) }, noExtra)
}

// runMessages shows the D-Bus messages per run of each client, from
// dbus-monitor; the ratio is of the client's own method calls.
func (rep *report) runMessages() {
	calls := func(bench string) (float64, bool) {
		a, ok1 := rep.r.median(bench, "calls-to-systemd/run")
		b, ok2 := rep.r.median(bench, "calls-to-bus/run")
		return a + b, ok1 && ok2
	}
	base, bok := calls("RunMessages/raw-godbus-floor")
	for _, c := range []entry{
		{"raw-godbus-floor", "raw godbus floor"},
		{"gostemd/run-shared-Conn", "gostemd `run`, shared Conn"},
		{"gostemd/run-own-conn", "gostemd `run`, default connection"},
		{"go-systemd", "go-systemd"},
	} {
		bench := "RunMessages/" + c.bench
		v, ok := calls(bench)
		l := line{row: "1b", measure: "D-Bus messages per run-to-exit (dbus-monitor)", client: c.label,
			result: notMeasured, ratio: ratio(v, base, ok, bok)}
		if ok {
			sd, _ := rep.r.median(bench, "calls-to-systemd/run")
			bd, _ := rep.r.median(bench, "calls-to-bus/run")
			sb, _ := rep.r.median(bench, "systemd-calls-to-bus/run")
			sig, _ := rep.r.median(bench, "systemd-signals/run")
			l.result = fmt.Sprintf("client calls %.2f to systemd + %.2f to the bus; systemd's own calls to the bus %.2f, signals %.2f",
				sd, bd, sb, sig)
		}
		if c.bench == "raw-godbus-floor" {
			l.ratio = "*baseline* (client calls)"
		}
		rep.add(l)
	}
}

// runSteps shows what each kind of call costs, to read the gap between a
// client and the floor as a sum of calls.
func (rep *report) runSteps() {
	rep.timed("1c", "cost of one call, raw godbus (journald's service)", []entry{
		{"RunSteps/GetUnit-round-trip", "Manager.GetUnit (a minimal round trip to systemd)"},
		{"RunSteps/AddMatch+RemoveMatch-per-unit", "AddMatch + RemoveMatch of a per-unit rule (two round trips to the bus)"},
		{"RunSteps/GetAll-Unit-interface", "Properties.GetAll, Unit interface"},
		{"RunSteps/GetAll-all-interfaces", "Properties.GetAll, all interfaces"},
	}, rep.allocs)
}

func (rep *report) properties() {
	rep.timed("2", "read all properties of a service (Unit + Service interfaces)", []entry{
		{propsGSD, "go-systemd GetUnitProperties + GetUnitTypeProperties (maps)"},
		{propsHeld, "gostemd typed structs: Unit.Properties + Unit.Service on a held *unit.Unit"},
		{propsSnap, "gostemd typed structs: Unit.Snapshot on a held *unit.Unit (both interfaces in one round trip)"},
		{propsName, "gostemd typed structs from the name: Manager.Show (loads the unit; one round trip)"},
		{propsShow, "`systemctl show` (a process per read)"},
	}, rep.allocs)
}

func (rep *report) watch() {
	for _, sc := range []struct{ key, label string }{
		{"idle", "watch 200 units for 10 s, nothing happening"},
		{"one-change-per-100ms", "watch 200 units for 10 s, one changing state every 100 ms"},
		{"one-unit-watched-another-changing", "watch 1 unit for 10 s, while another changes state every 100 ms"},
	} {
		bench := func(client string) string { return "Watch200/" + sc.key + "/" + client }
		rep.watchClients(sc.label, bench)
		rep.watchSystemd(sc.label, bench)
	}
}

func (rep *report) watchClients(label string, bench func(string) string) {
	base, bok := rep.r.median(bench(watchGSD), "client-cpu-ms")
	for _, c := range []entry{
		{watchGSD, "go-systemd SubscriptionSet"},
		{watchFloor, "raw godbus floor: one match rule on systemd's objects and Subscribe; each signal received, decoded and counted, nothing else"},
		{watchOurs, "gostemd watch.Units"},
	} {
		v, ok := rep.r.median(bench(c.bench), "client-cpu-ms")
		l := line{row: "3", measure: label + ": client CPU (own process)", client: c.label, result: notMeasured, ratio: "–"}
		if ok {
			ev, _ := rep.r.median(bench(c.bench), "events")
			ch, _ := rep.r.median(bench(c.bench), "state-changes")
			ask, _ := rep.r.median(bench(c.bench), "ask-cpu-ms")
			l.result = fmt.Sprintf("%s (%.0f events seen; %.0f state changes made; one sampling request costs the client %s)",
				millis(v), ev, ch, millis(ask))
			if calls, ok := rep.r.median(bench(c.bench), "idle-syscalls"); ok {
				l.result += fmt.Sprintf("; %.0f system calls in 5 s under strace", calls)
			}
			l.ratio = ratio(v, base, ok, bok)
		}
		if c.bench == watchGSD {
			l.ratio = "*baseline*"
		}
		rep.add(l)
	}
}

func (rep *report) watchSystemd(label string, bench func(string) string) {
	base, bok := rep.r.median(bench(watchNone), "systemd-cpu-ms")
	for _, c := range []entry{
		{watchNone, "no watcher"}, {watchGSD, "go-systemd SubscriptionSet"},
		{watchFloor, "raw godbus floor"}, {watchOurs, "gostemd watch.Units"},
	} {
		v, ok := rep.r.median(bench(c.bench), "systemd-cpu-ms")
		l := line{row: "3", measure: label + ": systemd (PID 1) CPU", client: c.label, result: notMeasured, ratio: "–"}
		if ok {
			st, _ := rep.r.median(bench(c.bench), "systemd-stat-ms")
			d, _ := rep.r.median(bench(c.bench), "dbus-cpu-ms")
			l.result = fmt.Sprintf("%s (/proc/1/stat: %s); dbus-daemon %s", millis(v), millis(st), millis(d))
			l.ratio = ratio(v, base, ok, bok)
		}
		if c.bench == watchNone {
			l.ratio = "*baseline*"
		}
		rep.add(l)
	}
}

func (rep *report) concurrent() {
	const measure = "200 transient `true` services started at once, all waited for"
	base, bok := rep.r.median(concSDRun, "wall-ms")
	for _, c := range []entry{{concSDRun, "200 × `systemd-run --wait --quiet true`"}, {concOurs, "gostemd `run`, one shared Conn"}} {
		v, ok := rep.r.median(c.bench, "wall-ms")
		l := line{row: "4", measure: measure + ": wall time", client: c.label, result: notMeasured, ratio: "–"}
		if ok {
			cpu, _ := rep.r.median(c.bench, "client-cpu-ms")
			l.result = fmt.Sprintf("%s (client CPU %s)", millis(v), millis(cpu))
			l.ratio = ratio(v, base, ok, bok)
		}
		if c.bench == concSDRun {
			l.ratio = "*baseline*"
		}
		rep.add(l)
	}

	sum, sok := rep.r.median(concSDRun, "sum-peak-rss-MB")
	peak, _ := rep.r.median(concSDRun, "max-peak-rss-MB")
	ours, ook := rep.r.median(concOurs, "peak-rss-MB")
	mem := measure + ": memory (peak RSS)"
	l := line{row: "4", measure: mem, client: "200 × `systemd-run`", result: notMeasured, ratio: "*baseline*"}
	if sok {
		l.result = fmt.Sprintf("sum of the 200 peak RSS: %.1f MB (largest one: %.1f MB)", sum, peak)
	}
	rep.add(l)
	l = line{row: "4", measure: mem, client: "gostemd `run`, one shared Conn", result: notMeasured, ratio: "–"}
	if ook {
		l.result = fmt.Sprintf("peak RSS of the client process: %.1f MB", ours)
		l.ratio = ratio(ours, sum, ook, sok) + " of the sum"
	}
	rep.add(l)
}

func (rep *report) micro() {
	rep.timed("5", "sdnotify: STATUS= + WATCHDOG=1 in one datagram", []entry{
		{notifyGSD, "go-systemd daemon.SdNotify (socket per call)"},
		{"Notify/gostemd/Notifier", "gostemd sdnotify.Notifier (socket kept)"},
		{"Notify/gostemd/Notify", "gostemd sdnotify.Notify (socket per call)"},
	}, rep.allocs)
	rep.timed("5", "activation: adopt 2 inherited fds as files (incl. 2 dup3 of setup)", []entry{
		{filesGSD, "go-systemd activation.Files"},
		{filesOurs, "gostemd activation.Adopt"},
	}, rep.allocs)
	rep.timed("5", "activation: 2 listeners by name (incl. 2 dup3 + setenv of setup)", []entry{
		{listenGSD, "go-systemd activation.ListenersWithNames"},
		{listenOurs, "gostemd activation.Adopt + Listener ×2"},
	}, rep.allocs)
}

// runToExitTargets compares each gostemd client with the floor that
// delivers the same: the end and exit status alone (NoUsage, and go-systemd)
// or with the resource counters as well.
func (rep *report) runToExitTargets() {
	fig := func(metric string) (float64, bool) { return rep.r.median(runToExitBench, metric) }
	floor, fok := fig(floorRun)
	floorUsage, uok := fig(floorUsageRun)
	noUsage, nok := fig(noUsageRun)
	shared, sok := fig(sharedRun)
	own, ook := fig(ownRun)
	sdrun, dok := fig(systemdRunRun)
	gsd, gok := fig(gsdRun)

	for _, t := range []struct {
		what       string
		ours, base float64
		ok         bool
	}{
		{"shared Conn, NoUsage, vs the floor", noUsage, floor, nok && fok},
		{"shared Conn, with usage, vs the floor with usage", shared, floorUsage, sok && uok},
		{"default connection, with usage, vs the floor with usage", own, floorUsage, ook && uok},
	} {
		rep.target("run-to-exit within 1.15× of the raw floor ("+t.what+")",
			ratio(t.ours, t.base, t.ok, true), t.ours <= 1.15*t.base, t.ok)
	}
	for _, t := range []struct {
		what string
		ours float64
		ok   bool
	}{
		{"shared Conn, NoUsage", noUsage, nok},
		{"shared Conn, with usage", shared, sok},
		{"default connection, with usage", own, ook},
	} {
		rep.target("run-to-exit at least 2× faster than `systemd-run --wait` ("+t.what+")",
			fmt.Sprintf("%.2f× faster", sdrun/t.ours), sdrun >= 2*t.ours, t.ok && dok)
	}
	rep.target("not slower than go-systemd: row 1, run-to-exit (shared Conn, NoUsage, the same information as go-systemd)",
		"gostemd/go-systemd = "+ratio(noUsage, gsd, nok, gok), noUsage <= gsd, nok && gok)
	rep.target("not slower than go-systemd: row 1, run-to-exit (shared Conn, with usage, which go-systemd does not read)",
		"gostemd/go-systemd = "+ratio(shared, gsd, sok, gok), shared <= gsd, sok && gok)
}

func (rep *report) evaluateTargets() {
	rep.runToExitTargets()

	r := rep.r
	for _, c := range [][3]string{
		{"row 2, properties from a held unit", propsHeld, propsGSD},
		{"row 2, Snapshot from a held unit", propsSnap, propsGSD},
		{"row 2, properties from the name (Show)", propsName, propsGSD},
		{"row 5, sdnotify Notifier", "Notify/gostemd/Notifier", notifyGSD},
		{"row 5, sdnotify Notify", "Notify/gostemd/Notify", notifyGSD},
		{"row 5, activation files", filesOurs, filesGSD},
		{"row 5, activation listeners", listenOurs, listenGSD},
	} {
		ours, ok1 := r.median(c[1], "ns/op")
		theirs, ok2 := r.median(c[2], "ns/op")
		rep.target("not slower than go-systemd: "+c[0], "gostemd/go-systemd = "+ratio(ours, theirs, ok1, ok2),
			ours <= theirs, ok1 && ok2)
	}
	for _, sc := range []string{"idle", "one-change-per-100ms", "one-unit-watched-another-changing"} {
		ours, ok1 := r.median("Watch200/"+sc+"/"+watchOurs, "client-cpu-ms")
		theirs, ok2 := r.median("Watch200/"+sc+"/"+watchGSD, "client-cpu-ms")
		measured := fmt.Sprintf("%s vs %s", millis(ours), millis(theirs))
		if floor, ok := r.median("Watch200/"+sc+"/"+watchFloor, "client-cpu-ms"); ok {
			measured += fmt.Sprintf("; the raw godbus floor %s (floor/go-systemd = %s)",
				millis(floor), ratio(floor, theirs, ok, ok2))
		}
		rep.target("not slower than go-systemd: row 3, client CPU watching ("+sc+")",
			measured, ours <= theirs, ok1 && ok2)
	}

	idleBench := "Watch200/idle/" + watchOurs
	idle, iok := r.median(idleBench, "client-cpu-ms")
	ask, _ := r.median(idleBench, "ask-cpu-ms")
	calls, cok := r.median(idleBench, "idle-syscalls")
	rep.target("zero client CPU while watching idle units: no wakeup (0 system calls in 5 s under strace)",
		fmt.Sprintf("%.0f system calls; getrusage over the 10 s window %s, which includes one sampling request (%s when asked again at once)",
			calls, millis(idle), millis(ask)),
		calls == 0, iok && cok)
}

const notes = `
## How each figure is taken

- **Row 1**: one Go benchmark inside the container that runs the clients in
  turn, one unit each per round, each round starting with the next client, so
  that the machine's slow moments fall on all clients alike. After each run,
  untimed, two pings to systemd wait until it has finished the cleanup after
  that run's unit, so that a client that returns before that cleanup does not
  leave it to the next one. The figure is each client's median over the
  rounds (and the median of that over the -count runs). Each client has its own connection(s), set up before timing
  starts, except systemd-run, a process per run, and gostemd without a Conn,
  whose default connection its first run dials and later runs share. The raw floor subscribes once (Manager.Subscribe, a JobRemoved match,
  a PropertiesChanged match on the whole unit path namespace); a run is then
  one StartTransientUnit call, and the end is read from signals alone: the job
  gone, ActiveState inactive/failed with no job, Result from the Service
  interface's PropertiesChanged. The floor with usage delivers what
  systemd-run --wait and gostemd's default do, the resource counters too,
  which systemd's signals do not carry: it starts the unit with AddRef, so
  that systemd keeps it until they are read, and after the end sends a Get of
  LoadState and of each counter and UnrefUnit at once. That read comes when
  systemd is busy cleaning up after the unit, and is most of the difference
  between the two floors; gostemd's NoUsage skips it. go-systemd reads
  ActiveState only: its properties subscriber passes on the Unit interface
  alone, and it has no UnrefUnit to pair with AddRef, so it cannot keep a
  unit for a later read.
- **Row 1b**: dbus-monitor --profile on the container's system bus while a
  client makes 20 runs after a warm-up; the breakdown by member is in
  RESULTS.log ("# " lines). systemd's own calls to the bus (it asks for the
  caller's uid, and tracks the client holding a job or a reference) are
  counted apart from the client's.
- **Row 1c**: the calls a client can add to the floor's one call, timed alone.
- **Row 2**: journald's service unit, both interfaces, one connection per
  client held across iterations.
- **Row 3**: 200 oneshot services with RemainAfterExit=yes, all active. Each
  watcher runs in a helper process; after it is ready and 2 s have passed,
  its CPU time (getrusage, µs resolution) is sampled at the start and end of a
  10 s window. systemd's (PID 1 of the container) and dbus-daemon's CPU time
  come from the sum of /proc/<pid>/task/*/schedstat (ns resolution), with
  /proc/1/stat utime+stime (10 ms ticks) beside it for systemd. In the busy case
  the benchmark itself stops and starts one of the 200 units every 100 ms
  (without waiting for the jobs); the "no watcher" lines show what that costs
  systemd alone. In the third case the watchers follow one unit while
  another one is stopped and started. The raw godbus floor has one match
  rule for all of systemd's signals and Subscribe, as gostemd's watcher of
  200 units does, and only counts what it receives: what any watcher that
  learns of every change from systemd's signals pays through godbus, before
  it reads a unit or reports anything. gostemd's watcher of one unit has
  the bus send it that unit's signals and systemd's Manager signals only.
- **Row 4**: gostemd runs in a helper process, so its peak RSS (ru_maxrss) is
  its own, Go runtime included; its wall time starts after run.Connect.
  systemd-run's wall time runs from the first fork to the last exit; its
  memory is the sum (and the largest) of the 200 processes' peak RSS, shared
  library pages counted in each. dbus-daemon's defaults allow 512 match rules
  and 128 pending replies per connection; gostemd's run.Conn keeps at most 32
  calls in flight, so the 200 units go through one connection.
- **Row 5**: ordinary Go micro-benchmarks. The activation ones run in a helper
  process that inherits the two sockets at descriptors 3 and 4 (in the test
  process itself, the Go runtime holds those descriptors); every iteration
  puts them back with dup3, for both libraries alike.
- Raw output of the run: RESULTS.log.
`
