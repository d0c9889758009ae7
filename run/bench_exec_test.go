package run_test

import (
	"os/exec"
	"testing"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// BenchmarkRunTrue measures the latency from start to result of a unit
// running true: on the default connection, on a Conn of the benchmark's, and, in the
// same run for comparison, systemd-run --wait --quiet true.
func BenchmarkRunTrue(b *testing.B) {
	testbed.Require(b)

	b.Run("Cmd", func(b *testing.B) {
		for b.Loop() {
			if err := run.Command("true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("Cmd-shared-Conn", func(b *testing.B) {
		conn := connectRun(b)
		for b.Loop() {
			cmd := run.Command("true")
			cmd.Conn = conn
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("systemd-run", func(b *testing.B) {
		for b.Loop() {
			out, err := exec.Command("systemd-run", "--wait", "--quiet", "--collect", "true").
				CombinedOutput()
			if err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	})
}
