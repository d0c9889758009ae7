package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// unitSeq makes transient unit names unique within this process.
var unitSeq atomic.Uint64

func uniqueUnit(prefix string) string {
	return fmt.Sprintf("%s-%d-%d.service", prefix, os.Getpid(), unitSeq.Add(1))
}

func truePath(b testing.TB) string {
	b.Helper()
	p, err := exec.LookPath("true")
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// A runClient is one way of running true as a transient service to its end.
type runClient struct {
	key   string // the metric's prefix, such as "floor"
	run   func() error
	close func()
}

// BenchmarkRunToExit measures the latency from nothing to the result of a
// transient service running true, for each client: gostemd's run with a
// Conn of its own (with and without NoUsage) and on its default connection,
// systemd-run --wait, go-systemd, and the raw floors (see floor, and
// floor.runWithUsage for the one that reads what gostemd's default reads).
// One iteration is a round in which every
// client runs once, each round starting with the next client, so that a
// slow moment of the machine weighs on all of them alike instead of on the
// one that happened to be measured then. Each client's median over the
// rounds is reported as the metric "<key>-ns/run".
func BenchmarkRunToExit(b *testing.B) {
	testbed.Require(b)
	clients := runClients(b, context.Background(), []string{truePath(b)})
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()

	settle := settler(b)
	lat := make([][]time.Duration, len(clients))
	round := 0
	for b.Loop() {
		for k := range clients {
			i := (round + k) % len(clients)
			start := time.Now()
			if err := clients[i].run(); err != nil {
				b.Fatalf("%s: %v", clients[i].key, err)
			}
			lat[i] = append(lat[i], time.Since(start))
			settle()
		}
		round++
	}

	for i, c := range clients {
		b.ReportMetric(float64(medianDuration(lat[i])), c.key+"-ns/run")
	}
}

// settler returns a function that waits, untimed, until systemd has
// handled what it queued before: the cleanup after the unit that just
// ended, which a client that returns before it (NoUsage, go-systemd,
// systemd-run) would otherwise leave to the next client in the round. It
// pings systemd twice, as the cleanup can take more than one turn of its
// event loop.
func settler(b *testing.B) func() {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })

	obj := conn.Object(systemdName, systemdPath)
	return func() {
		for range 2 {
			if err := obj.Call("org.freedesktop.DBus.Peer.Ping", 0).Err; err != nil {
				b.Fatalf("settle: %v", err)
			}
		}
	}
}

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// runClients sets up every client of BenchmarkRunToExit, connections
// included, before any timing starts.
func runClients(b *testing.B, ctx context.Context, argv []string) []runClient {
	conn, err := run.Connect(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	gsdr, err := newGSDRunner(ctx)
	if err != nil {
		b.Fatal(err)
	}
	f, err := newFloor(ctx)
	if err != nil {
		b.Fatal(err)
	}
	none := func() {}

	return []runClient{
		{"floor", func() error { return floorRun(ctx, f.run, argv) }, func() { f.Close() }},
		{"floor-usage", func() error { return floorRun(ctx, f.runWithUsage, argv) }, none},
		{"gostemd-shared", func() error {
			cmd := run.Command(argv[0])
			cmd.Conn = conn
			return cmd.Run()
		}, func() { conn.Close() }},
		{"gostemd-shared-nousage", func() error {
			cmd := run.Command(argv[0])
			cmd.Conn = conn
			cmd.NoUsage = true
			return cmd.Run()
		}, none},
		{"gostemd-own", func() error { return run.Command(argv[0]).Run() }, none},
		{"go-systemd", func() error { return gsdRun(ctx, gsdr, argv) }, gsdr.Close},
		{"systemd-run", func() error {
			out, err := exec.Command("systemd-run", "--wait", "--quiet", "true").CombinedOutput()
			if err != nil {
				return fmt.Errorf("%w: %s", err, out)
			}
			return nil
		}, none},
	}
}

func floorRun(ctx context.Context, run func(context.Context, string, []string) (string, error),
	argv []string,
) error {
	result, err := run(ctx, uniqueUnit("bench-floor"), argv)
	if err == nil && result != "success" {
		err = fmt.Errorf("result %q", result)
	}
	return err
}

func gsdRun(ctx context.Context, r *gsdRunner, argv []string) error {
	state, err := r.run(ctx, uniqueUnit("bench-gsd"), argv)
	if err == nil && state != "inactive" {
		err = fmt.Errorf("state %q", state)
	}
	return err
}
