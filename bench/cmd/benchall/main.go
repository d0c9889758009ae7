// Command benchall runs every benchmark of the bench module in one throwaway
// systemd and writes the comparison table: gostemd beside go-systemd,
// systemd-run, systemctl and a raw godbus floor, each figure from this run.
//
// It builds the bench test binary, boots a container with the test bed, runs
// the binary inside it twice (the repeated benchmarks with -count, then the
// one-off measurements once), stops the container, and writes Markdown to
// the file named by -o and to standard output. It needs root and
// systemd-nspawn, as make test does.
//
//	cd bench && go run ./cmd/benchall -o RESULTS.md
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/internal/testbed"
)

func main() {
	out := flag.String("o", "RESULTS.md", "file to write the table to")
	raw := flag.String("raw", "RESULTS.log", "file to write the benchmarks' own output to")
	count := flag.Int("count", 5, "runs of each repeated benchmark; the table shows the median")
	benchtime := flag.String("benchtime", "1s", "-benchtime of the repeated benchmarks")
	flag.Parse()

	if err := run(*out, *raw, *count, *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
}

// Each pass is one run of the test binary in the container.
type pass struct {
	bench string
	args  []string
}

func passes(count int, benchtime string) []pass {
	return []pass{
		// A round of RunToExit runs every client once; 100 rounds per
		// count give each client's median a few hundred runs in all.
		{"^BenchmarkRunToExit$", []string{
			"-test.benchmem", fmt.Sprintf("-test.count=%d", count), "-test.benchtime=100x",
		}},
		{"^Benchmark(RunSteps|Properties|Notify|Activation)$", []string{
			"-test.benchmem", fmt.Sprintf("-test.count=%d", count), "-test.benchtime=" + benchtime,
		}},
		{"^Benchmark(RunMessages|Watch200|Concurrent200)$", []string{"-test.count=1", "-test.benchtime=1x"}},
	}
}

func run(out, raw string, count int, benchtime string) error {
	if err := testbed.CanBoot(); err != nil {
		return err
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gostemd-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "bench.test")
	if err := build(dir, bin); err != nil {
		return err
	}
	m, err := describeMachine(dir)
	if err != nil {
		return err
	}

	output, version, err := runInContainer(dir, tmp, bin, passes(count, benchtime))
	if werr := os.WriteFile(raw, output, 0o644); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	m.Systemd = version
	m.Settings = fmt.Sprintf("-count=%d (median shown); -benchtime=%s, and 100 rounds for row 1; "+
		"one-off measurements once", count, benchtime)

	table := render(m, parse(output))
	fmt.Print(table)
	return os.WriteFile(out, []byte(table), 0o644)
}

func build(dir, bin string) error {
	fmt.Fprintln(os.Stderr, "benchall: building the bench test binary")
	cmd := exec.Command("go", "test", "-c", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build bench test binary: %w", err)
	}
	return nil
}

// runInContainer boots one throwaway systemd, runs every pass in it and
// returns their combined standard output and the systemd version.
func runInContainer(dir, tmp, bin string, ps []pass) ([]byte, string, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	c, err := testbed.Boot(ctx, testbed.Options{
		Root:     os.Getenv(testbed.EnvRoot),
		Binds:    []string{dir, tmp},
		Lifetime: 40 * time.Minute,
	})
	if err != nil {
		return nil, "", err
	}
	defer c.Stop()
	fmt.Fprintf(os.Stderr, "benchall: booted systemd %s in container %s in %v\n",
		c.Version, c.Name, time.Since(start).Round(time.Millisecond))

	var all bytes.Buffer
	for _, p := range ps {
		args := append([]string{bin, "-test.run=^$", "-test.bench=" + p.bench, "-test.timeout=30m"}, p.args...)
		cmd := c.Command(dir, args...)
		cmd.Stdout = io.MultiWriter(os.Stdout, &all)
		cmd.Stderr = os.Stderr
		if err := runUntil(ctx, cmd); err != nil {
			return all.Bytes(), c.Version, fmt.Errorf("benchmarks %s: %w", p.bench, err)
		}
	}
	return all.Bytes(), c.Version, nil
}

// runUntil runs cmd, killing it if ctx ends first.
func runUntil(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return ctx.Err()
	}
}
