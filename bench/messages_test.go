package bench

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// messageRuns is how many runs each client makes under dbus-monitor.
const messageRuns = 20

// BenchmarkRunMessages counts the D-Bus messages of one run-to-exit, per
// client, with dbus-monitor --profile watching the whole system bus: method
// calls the client makes (to systemd and to the bus daemon) and signals
// systemd emits. The container is otherwise quiet, so what the monitor sees
// in the window is the client's doing. The breakdown by member is printed as
// "# " lines. It is meant to run once: -benchtime=1x.
func BenchmarkRunMessages(b *testing.B) {
	testbed.Require(b)
	ctx := context.Background()
	argv := []string{truePath(b)}

	clients := []struct {
		name  string
		setup func() (func() error, func(), error)
	}{
		{"raw-godbus-floor", func() (func() error, func(), error) {
			f, err := newFloor(ctx)
			if err != nil {
				return nil, nil, err
			}
			return func() error {
				_, err := f.run(ctx, uniqueUnit("bench-floor"), argv)
				return err
			}, func() { f.Close() }, nil
		}},
		{"gostemd/run-shared-Conn", func() (func() error, func(), error) {
			conn, err := run.Connect(ctx, nil)
			if err != nil {
				return nil, nil, err
			}
			return func() error {
				cmd := run.Command(argv[0])
				cmd.Conn = conn
				return cmd.Run()
			}, func() { conn.Close() }, nil
		}},
		{"gostemd/run-own-conn", func() (func() error, func(), error) {
			return func() error { return run.Command(argv[0]).Run() }, func() {}, nil
		}},
		{"go-systemd", func() (func() error, func(), error) {
			r, err := newGSDRunner(ctx)
			if err != nil {
				return nil, nil, err
			}
			return func() error {
				_, err := r.run(ctx, uniqueUnit("bench-gsd"), argv)
				return err
			}, r.Close, nil
		}},
	}

	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			m := oneOff(b, func() (map[string]float64, error) {
				runOnce, closeFn, err := c.setup()
				if err != nil {
					return nil, err
				}
				defer closeFn()
				return countMessages(b.Name(), runOnce)
			})
			for unit, v := range m {
				b.ReportMetric(v, unit)
			}
		})
	}
}

// busMessage is one line of dbus-monitor --profile: type, time, serial,
// sender, destination, path, interface, member (as far as the type has them).
type busMessage struct {
	kind, sender, dest, member string
	at                         time.Time
}

func countMessages(name string, runOnce func() error) (map[string]float64, error) {
	if err := runOnce(); err != nil { // warm up: connections, caches
		return nil, err
	}
	systemd, err := systemdUniqueName()
	if err != nil {
		return nil, err
	}

	mon := exec.Command("dbus-monitor", "--system", "--profile")
	out, err := mon.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := mon.Start(); err != nil {
		return nil, err
	}
	lines := make(chan busMessage, 4096)
	go readProfile(bufio.NewScanner(out), lines)
	time.Sleep(300 * time.Millisecond) // let the monitor attach

	start := time.Now()
	for range messageRuns {
		if err := runOnce(); err != nil {
			mon.Process.Kill()
			mon.Wait()
			return nil, err
		}
	}
	end := time.Now()
	time.Sleep(300 * time.Millisecond)
	mon.Process.Kill()
	mon.Wait()

	return tally(name, systemd, lines, start, end), nil
}

// systemdUniqueName returns the bus name of systemd's own connection, whose
// calls to the bus daemon (it asks who the caller is, and tracks it) are
// told apart from the client's.
func systemdUniqueName() (string, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var owner string
	err = conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, systemdName).Store(&owner)
	return owner, err
}

func readProfile(sc *bufio.Scanner, lines chan<- busMessage) {
	defer close(lines)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 5 {
			continue
		}
		sec, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		m := busMessage{kind: f[0], sender: f[3], at: time.Unix(0, int64(sec*1e9))}
		switch m.kind {
		case "mc":
			if len(f) >= 8 {
				m.dest, m.member = f[4], f[6]+"."+f[7]
			}
		case "sig":
			if len(f) >= 8 {
				m.member = f[6] + "." + f[7]
			}
		}
		lines <- m
	}
}

// tally counts, per run, the client's method calls by destination, the calls
// systemd makes to the bus daemon meanwhile and the signals it emits, and
// prints the breakdown.
func tally(name, systemd string, lines <-chan busMessage, start, end time.Time) map[string]float64 {
	counts := map[string]int{}
	var toSystemd, toBus, systemdToBus, signals, other int
	for m := range lines {
		if m.at.Before(start) || m.at.After(end) {
			continue
		}
		who := "client"
		switch {
		case m.kind == "mc" && m.sender == systemd:
			systemdToBus++
			who = "systemd"
		case m.kind == "mc" && m.dest == systemdName:
			toSystemd++
		case m.kind == "mc" && m.dest == "org.freedesktop.DBus":
			toBus++
		case m.kind == "sig" && m.sender == systemd:
			signals++
			who = "systemd"
		case m.kind == "mc":
			other++
		default:
			continue
		}
		counts[who+" "+m.kind+" "+m.member]++
	}

	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("# %s: %s %.2f per run\n", name, k, float64(counts[k])/messageRuns)
	}

	per := func(n int) float64 { return float64(n) / messageRuns }
	return map[string]float64{
		"calls-to-systemd/run":     per(toSystemd),
		"calls-to-bus/run":         per(toBus),
		"other-calls/run":          per(other),
		"systemd-calls-to-bus/run": per(systemdToBus),
		"systemd-signals/run":      per(signals),
	}
}
