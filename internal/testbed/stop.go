package testbed

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// sigRTMin3 is SIGRTMIN+3 as glibc numbers it (SIGRTMIN is 34 there, two
// above the kernel's 32). systemd as PID 1 halts on it.
const sigRTMin3 = syscall.Signal(37)

// cleanupPlan is everything a container leaves on the host. Both Stop and
// the watchdog carry it out, so it must be serialisable and idempotent.
type cleanupPlan struct {
	Name       string   `json:"name"`
	CgroupDirs []string `json:"cgroup_dirs"`
	Unified    string   `json:"unified"`
	StateDir   string   `json:"state_dir"`
}

func (c *Container) cleanupPlan() cleanupPlan {
	return cleanupPlan{
		Name:       c.Name,
		CgroupDirs: c.cgroups.Dirs,
		Unified:    c.cgroups.Unified,
		StateDir:   c.stateDir,
	}
}

// run kills whatever is left of the container, then removes its cgroups, the
// directories nspawn keeps under /run for it, and its state directory.
func (p cleanupPlan) run() error {
	cg := &containerCgroups{Dirs: p.CgroupDirs, Unified: p.Unified}

	errs := []error{cg.kill(10 * time.Second), cg.remove()}
	for _, dir := range []string{"propagate", "unix-export", "incoming"} {
		errs = append(errs, removeAllQuiet(filepath.Join("/run/systemd/nspawn", dir, p.Name)))
	}
	errs = append(errs, removeAllQuiet(p.StateDir))
	return errors.Join(errs...)
}

func removeAllQuiet(path string) error {
	if path == "" {
		return nil
	}
	return os.RemoveAll(path)
}

// haltTimeout is how long Stop lets systemd halt before killing the cgroup.
const haltTimeout = 5 * time.Second

// Stop halts the container, removes everything it left on the host and
// releases the watchdog. It is safe to call more than once.
func (c *Container) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Container) stop() error {
	started := c.nspawn != nil && c.nspawn.Process != nil
	if started && c.Leader != 0 {
		syscall.Kill(c.Leader, sigRTMin3)
		select {
		case <-c.exited:
		case <-time.After(haltTimeout):
		}
	}

	err := c.cleanupPlan().run()
	if started {
		<-c.exited
	}

	if c.watchdog != nil {
		err = errors.Join(err, c.watchdog.release())
	}
	return err
}
