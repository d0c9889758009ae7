package testbed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runInContainer boots a throwaway systemd, runs this test binary inside it
// with the same arguments, and returns the inner run's exit code. When no
// container can be booted the tests run here, and Require reports why.
func runInContainer(m *testing.M, cgroup2 bool) int {
	prog, err := stageSelf()
	if err != nil {
		setUnavailable(err.Error())
		return m.Run()
	}
	defer prog.remove()

	start := time.Now()
	c, err := Boot(context.Background(), Options{
		Root:     os.Getenv(EnvRoot),
		Binds:    prog.binds,
		Lifetime: lifetime(os.Args[1:]),
		Cgroup2:  cgroup2,
	})
	if err != nil {
		setUnavailable(err.Error())
		return m.Run()
	}
	defer c.Stop()
	fmt.Fprintf(os.Stderr, "testbed: booted systemd %s in container %s (leader %d) in %v\n",
		c.Version, c.Name, c.Leader, time.Since(start).Round(time.Millisecond))

	return c.runSelf(prog.dir, prog.exe)
}

// staged is what the inner test binary needs to see at the same path: the
// module it belongs to (its working directory and test data) and the
// binary itself.
type staged struct {
	binds  []string
	dir    string // the working directory
	exe    string // the binary, as the container runs it
	remove func()
}

// stageSelf finds what this test binary needs inside the container. A
// binary whose directory the container's boot would empty, such as one
// built with go test -c -o /tmp/x.test, is run from a link in a directory
// of its own instead.
func stageSelf() (staged, error) {
	dir, err := os.Getwd()
	if err != nil {
		return staged{}, fmt.Errorf("find working directory: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return staged{}, fmt.Errorf("find test binary: %w", err)
	}
	exe, remove, err := StageProgram(exe)
	if err != nil {
		return staged{}, err
	}

	root := moduleRoot(dir)
	binds := []string{root}
	if exeDir := filepath.Dir(exe); !within(exeDir, root) {
		binds = append(binds, exeDir)
	}
	return staged{binds: binds, dir: dir, exe: exe, remove: remove}, nil
}

// moduleRoot walks up from dir to the directory holding go.mod, or returns
// dir itself when there is none.
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// lifetime bounds the container by the test binary's own -test.timeout,
// plus room to stop; without one, an hour.
func lifetime(args []string) time.Duration {
	for _, a := range args {
		v, ok := strings.CutPrefix(a, "-test.timeout=")
		if !ok {
			continue
		}
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d + 5*time.Minute
		}
	}
	return time.Hour
}

// runSelf runs this test binary inside the container and returns its exit
// code. Signals that would end this process are passed on to the inner one,
// which is in a process group of its own, so that it can report (SIGQUIT
// from go test's timeout prints its goroutines) before the container stops.
func (c *Container) runSelf(dir, exe string) int {
	cmd := c.Command(dir, append([]string{exe}, os.Args[1:]...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testbed: run tests in container %s: %v\n", c.Name, err)
		return 1
	}

	stop := forwardSignals(cmd.Process.Pid)
	defer stop()

	return exitCode(cmd.Wait())
}

// Run runs argv inside the container attached to this process's terminal or
// standard streams, and returns its exit code. It stays in this process's
// process group, so a Ctrl-C reaches it directly; this process ignores the
// interrupt meanwhile and stops the container only once argv has ended.
func (c *Container) Run(dir string, argv ...string) int {
	cmd := c.Command(dir, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr

	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Reset(syscall.SIGINT, syscall.SIGQUIT)

	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testbed: run %s in container %s: %v\n", argv[0], c.Name, err)
		return 1
	}
	return exitCode(cmd.Wait())
}

func forwardSignals(pgid int) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP)
	done := make(chan struct{})

	go func() {
		for {
			select {
			case s := <-sigs:
				syscall.Kill(-pgid, s.(syscall.Signal))
			case <-done:
				return
			}
		}
	}()

	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "testbed: inner test run: %v\n", err)
		return 1
	}
}
