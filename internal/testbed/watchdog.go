package testbed

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The watchdog is this same executable started again with envWatchdog set.
// It outlives a test binary killed with SIGKILL (which runs no deferred
// Stop) and removes the container when any of these happens first:
//   - the process that booted the container dies (its pipe reaches EOF),
//   - that process's parent dies (go test killed: the binary it started may
//     hang on forever otherwise),
//   - the container's lifetime is over.
// A byte on the pipe means the container was stopped cleanly: nothing to do.

// watchdogOrder is what the booting process hands its watchdog.
type watchdogOrder struct {
	Plan        cleanupPlan `json:"plan"`
	Deadline    time.Time   `json:"deadline"`
	WatchParent bool        `json:"watch_parent"`
}

// Descriptors the watchdog inherits.
const (
	watchdogPipeFD   = 3
	watchdogParentFD = 4
)

func init() {
	if order := os.Getenv(envWatchdog); order != "" {
		os.Exit(runWatchdog(order))
	}
}

// watchdog is the booting process's end of a running watchdog.
type watchdog struct {
	cmd  *exec.Cmd
	pipe *os.File
}

func startWatchdog(plan cleanupPlan, lifetime time.Duration) (*watchdog, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	defer r.Close()

	order := watchdogOrder{Plan: plan, Deadline: time.Now().Add(lifetime)}
	files := []*os.File{r}
	if parent := openParentPidfd(); parent != nil {
		defer parent.Close()
		files = append(files, parent)
		order.WatchParent = true
	}

	cmd, err := spawnWatchdog(exe, order, files)
	if err != nil {
		w.Close()
		return nil, err
	}
	return &watchdog{cmd: cmd, pipe: w}, nil
}

func spawnWatchdog(exe string, order watchdogOrder, files []*os.File) (*exec.Cmd, error) {
	data, err := json.Marshal(order)
	if err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}

	cmd := exec.Command(exe)
	cmd.Env = []string{envWatchdog + "=" + string(data), "PATH=" + os.Getenv("PATH")}
	cmd.ExtraFiles = files
	// A session of its own: a Ctrl-C meant for the tests must not kill the
	// process that cleans up after them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	return cmd, nil
}

// openParentPidfd returns a pidfd of this process's parent, or nil when the
// kernel has no pidfds. Checking the parent again after opening closes the
// race with a parent that died (and whose PID was reused) in between.
func openParentPidfd() *os.File {
	ppid := os.Getppid()
	fd, err := unix.PidfdOpen(ppid, 0)
	if err != nil {
		return nil
	}

	f := os.NewFile(uintptr(fd), "parent-pidfd")
	if os.Getppid() != ppid || ppid == 1 {
		f.Close()
		return nil
	}
	return f
}

// release tells the watchdog that the container is gone and waits for it.
func (w *watchdog) release() error {
	_, err := w.pipe.Write([]byte{'d'})
	w.pipe.Close()
	return errors.Join(err, w.cmd.Wait())
}

// runWatchdog is the watchdog process's whole life.
func runWatchdog(raw string) int {
	var order watchdogOrder
	if err := json.Unmarshal([]byte(raw), &order); err != nil {
		fmt.Fprintf(os.Stderr, "testbed watchdog: %v\n", err)
		return 2
	}

	if !waitForTrouble(order) {
		return 0
	}
	if err := order.Plan.run(); err != nil {
		fmt.Fprintf(os.Stderr, "testbed watchdog: remove container %s: %v\n", order.Plan.Name, err)
		return 1
	}
	return 0
}

// waitForTrouble blocks until the container must be removed (true) or was
// stopped cleanly (false).
func waitForTrouble(order watchdogOrder) bool {
	fds := []unix.PollFd{{Fd: watchdogPipeFD, Events: unix.POLLIN}}
	if order.WatchParent {
		fds = append(fds, unix.PollFd{Fd: watchdogParentFD, Events: unix.POLLIN})
	}

	for {
		left := time.Until(order.Deadline)
		if left <= 0 {
			return true
		}

		n, err := unix.Poll(fds, int(min(left, time.Minute).Milliseconds())+1)
		if errors.Is(err, unix.EINTR) || n == 0 {
			continue
		}
		if err != nil {
			return true
		}
		return pipeSaysDead(fds)
	}
}

// pipeSaysDead reads the outcome once poll has woken up: a byte on the pipe
// is a clean stop; EOF, an error or the parent's pidfd firing is trouble.
func pipeSaysDead(fds []unix.PollFd) bool {
	if len(fds) > 1 && fds[1].Revents != 0 {
		return true
	}

	buf := make([]byte, 1)
	n, err := unix.Read(watchdogPipeFD, buf)
	return n != 1 || err != nil
}
