package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/run"
)

// concurrentUnits is how many transient services start at once.
const concurrentUnits = 200

// BenchmarkConcurrent200 starts 200 transient services running true at
// once and waits for all of them. It reports the wall time from the first
// start to the last result, and memory:
//
//   - gostemd (one shared Conn, in a helper process): the helper's peak
//     resident set (getrusage ru_maxrss), the Go runtime included; its
//     wall time starts after Connect.
//   - systemd-run --wait (200 processes started from here): the sum and the
//     largest of the 200 processes' peak resident sets, each from wait4's
//     rusage; its wall time includes starting the processes.
//
// It is meant to run once: -benchtime=1x.
func BenchmarkConcurrent200(b *testing.B) {
	testbed.Require(b)

	b.Run("gostemd/run-shared-Conn", func(b *testing.B) {
		for unit, v := range oneOff(b, measureGostemdConcurrent) {
			b.ReportMetric(v, unit)
		}
	})

	b.Run("systemd-run--wait", func(b *testing.B) {
		for unit, v := range oneOff(b, measureSystemdRunConcurrent) {
			b.ReportMetric(v, unit)
		}
	})
}

func measureGostemdConcurrent() (map[string]float64, error) {
	argv := testbed.HelperCommand("concurrent-gostemd", strconv.Itoa(concurrentUnits))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("concurrent-gostemd: %w", err)
	}
	var ns int64
	if _, err := fmt.Sscan(string(out), &ns); err != nil {
		return nil, fmt.Errorf("concurrent-gostemd said %q: %w", out, err)
	}

	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return map[string]float64{
		"wall-ms":       float64(ns) / 1e6,
		"peak-rss-MB":   float64(ru.Maxrss) / 1024,
		"client-cpu-ms": cpuMillis(ru),
	}, nil
}

// concurrentGostemd is the helper: it runs args[0] Cmds at once on one
// Conn and prints the wall time in nanoseconds.
func concurrentGostemd(args []string) int {
	n, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	conn, err := run.Connect(ctx, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	truePath, err := exec.LookPath("true")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	start := time.Now()
	errs := make(chan error, n)
	for range n {
		go func() {
			cmd := run.Command(truePath)
			cmd.Conn = conn
			errs <- cmd.Run()
		}()
	}
	failed := 0
	for range n {
		if err := <-errs; err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed++
		}
	}
	wall := time.Since(start)
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "%d of %d runs failed\n", failed, n)
		return 1
	}
	fmt.Println(wall.Nanoseconds())
	return 0
}

func measureSystemdRunConcurrent() (map[string]float64, error) {
	cmds := make([]*exec.Cmd, concurrentUnits)
	start := time.Now()
	for i := range cmds {
		cmds[i] = exec.Command("systemd-run", "--wait", "--quiet", "true")
		if err := cmds[i].Start(); err != nil {
			return nil, err
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, len(cmds))
	for i, cmd := range cmds {
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()
	wall := time.Since(start)

	var sum, peak int64
	var cpu float64
	for i, cmd := range cmds {
		if errs[i] != nil {
			return nil, fmt.Errorf("systemd-run %d: %w", i, errs[i])
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		sum += ru.Maxrss
		peak = max(peak, ru.Maxrss)
		cpu += cpuMillis(ru)
	}
	return map[string]float64{
		"wall-ms":         float64(wall.Nanoseconds()) / 1e6,
		"sum-peak-rss-MB": float64(sum) / 1024,
		"max-peak-rss-MB": float64(peak) / 1024,
		"client-cpu-ms":   cpu,
	}, nil
}

func cpuMillis(ru *syscall.Rusage) float64 {
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
