package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

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

// BenchmarkRunToExit measures the latency from nothing to the result of a
// transient service running true, side by side: gostemd's run with a shared
// Conn and with a connection per Cmd, systemd-run --wait, go-systemd, and the
// raw floor (see floor).
func BenchmarkRunToExit(b *testing.B) {
	testbed.Require(b)
	ctx := context.Background()
	argv := []string{truePath(b)}

	b.Run("gostemd/run-shared-Conn", func(b *testing.B) {
		conn, err := run.Connect(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()

		for b.Loop() {
			cmd := run.Command(argv[0])
			cmd.Conn = conn
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("gostemd/run-own-conn", func(b *testing.B) {
		for b.Loop() {
			if err := run.Command(argv[0]).Run(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("systemd-run--wait", func(b *testing.B) {
		for b.Loop() {
			out, err := exec.Command("systemd-run", "--wait", "--quiet", "true").CombinedOutput()
			if err != nil {
				b.Fatalf("systemd-run: %v: %s", err, out)
			}
		}
	})

	b.Run("go-systemd", func(b *testing.B) {
		r, err := newGSDRunner(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()

		for b.Loop() {
			state, err := r.run(ctx, uniqueUnit("bench-gsd"), argv)
			if err != nil || state != "inactive" {
				b.Fatalf("go-systemd run: %q %v", state, err)
			}
		}
	})

	b.Run("raw-godbus-floor", func(b *testing.B) {
		f, err := newFloor(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()

		for b.Loop() {
			result, err := f.run(ctx, uniqueUnit("bench-floor"), argv)
			if err != nil || result != "success" {
				b.Fatalf("floor run: %q %v", result, err)
			}
		}
	})
}
