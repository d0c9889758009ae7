package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Options configure Boot. The zero value boots the host's own /usr.
type Options struct {
	// Root is the directory tree to boot. Empty means "/", booted on a
	// volatile tmpfs root with the host's /usr; any other tree is booted
	// with an overlay so the container never writes to it.
	Root string

	// Binds are host paths made visible at the same path inside the
	// container, read-write: the project, the test binary. Boot refuses,
	// with ErrUnsafeBind, a directory that the booted systemd empties as it
	// starts, such as /tmp, or one above it.
	Binds []string

	// Cgroup2 boots the container with the unified cgroup hierarchy only
	// (cgroup v2). On hosts whose cgroup2 has no controllers, as on hybrid
	// Debian 12 VMs, resource limits are then not enforced, but what needs
	// a pure cgroup2 system works: freezing units, CPU accounting, and
	// MemoryPeak on systemd 255 and later. False, the default, boots with the
	// host's hybrid layout and makes the v1 limits real.
	Cgroup2 bool

	// Lifetime bounds how long the container may live. When it is over, or
	// when the booting process or its parent dies first, the watchdog
	// removes the container. Zero means one hour.
	Lifetime time.Duration
}

// Container is a throwaway systemd booted in systemd-nspawn.
type Container struct {
	// Name is the container's machine name, unique per boot.
	Name string

	// Leader is the host PID of the container's PID 1, systemd.
	Leader int

	// Version is the version of the booted systemd, such as "252.39-1~deb12u2".
	Version string

	stateDir string
	nspawn   *exec.Cmd
	exited   chan struct{}
	cgroups  *containerCgroups
	watchdog *watchdog

	stopOnce sync.Once
	stopErr  error
}

// bootTimeout bounds each wait for the container's manager to be running.
const bootTimeout = 60 * time.Second

// Boot starts a throwaway systemd and returns once its manager is running
// with cgroup limits made real. The caller must Stop it; if the caller dies
// instead, the watchdog removes it.
func Boot(ctx context.Context, opts Options) (*Container, error) {
	if err := CanBoot(); err != nil {
		return nil, err
	}
	if err := checkBinds(opts.Binds); err != nil {
		return nil, err
	}

	c, err := newContainer(opts)
	if err != nil {
		return nil, err
	}

	if err := c.start(opts); err != nil {
		c.Stop()
		return nil, fmt.Errorf("boot container %s: %w", c.Name, err)
	}

	if err := c.ready(ctx, !opts.Cgroup2); err != nil {
		c.Stop()
		return nil, fmt.Errorf("boot container %s: %w", c.Name, err)
	}
	return c, nil
}

// CanBoot reports why this machine cannot boot a container (not root, no
// systemd-nspawn or nsenter), or nil when it can.
func CanBoot() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("booting a container needs root (running as uid %d)", os.Geteuid())
	}
	for _, tool := range []string{"systemd-nspawn", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("booting a container needs %s (Debian package systemd-container): %w", tool, err)
		}
	}
	return nil
}

func newContainer(opts Options) (*Container, error) {
	name, err := machineName()
	if err != nil {
		return nil, err
	}

	c := &Container{Name: name, exited: make(chan struct{})}
	c.stateDir, err = os.MkdirTemp("", "gostemd-testbed-")
	if err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}

	c.cgroups, err = createCgroups(name)
	if err != nil {
		os.RemoveAll(c.stateDir)
		return nil, err
	}

	lifetime := opts.Lifetime
	if lifetime == 0 {
		lifetime = time.Hour
	}
	c.watchdog, err = startWatchdog(c.cleanupPlan(), lifetime)
	if err != nil {
		c.cgroups.remove()
		os.RemoveAll(c.stateDir)
		return nil, err
	}
	return c, nil
}

func machineName() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate machine name: %w", err)
	}
	return "gostemd-" + hex.EncodeToString(b), nil
}

// start runs systemd-nspawn through a shell that first moves itself into the
// container's cgroups, so that nspawn and everything below it is there from
// its first instruction.
func (c *Container) start(opts Options) error {
	machineID, err := c.writeMachineID()
	if err != nil {
		return err
	}
	busDir := filepath.Join(c.stateDir, "bus")
	if err := os.Mkdir(busDir, 0o755); err != nil {
		return err
	}

	log, err := os.Create(filepath.Join(c.stateDir, "console.log"))
	if err != nil {
		return err
	}
	defer log.Close()

	const joinThenExec = `for f in $GOSTEMD_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"`
	args := append([]string{"-c", joinThenExec, "sh"}, nspawnArgs(c.Name, opts, busDir, machineID)...)
	c.nspawn = exec.Command("/bin/sh", args...)
	c.nspawn.Env = append(os.Environ(), "GOSTEMD_CGROUP_PROCS="+strings.Join(c.cgroups.procsFiles(), " "))
	if opts.Cgroup2 {
		c.nspawn.Env = append(c.nspawn.Env, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	}
	c.nspawn.Stdout, c.nspawn.Stderr = log, log
	c.nspawn.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.nspawn.Start(); err != nil {
		return fmt.Errorf("start systemd-nspawn: %w", err)
	}

	go func() {
		c.nspawn.Wait()
		close(c.exited)
	}()
	return nil
}

func (c *Container) writeMachineID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	path := filepath.Join(c.stateDir, "machine-id")
	return path, os.WriteFile(path, []byte(hex.EncodeToString(b)+"\n"), 0o444)
}

// nspawnArgs follows what works on hybrid-cgroup hosts where systemd is not
// PID 1: no registration with machined, the caller's cgroups kept, a seccomp
// filter mode under which IPAddressDeny= works, and a bound machine-id so
// the boot is not a "first boot" waiting for input.
func nspawnArgs(name string, opts Options, busDir, machineID string) []string {
	args := []string{"systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
		"--machine=" + name, "--system-call-filter=bpf",
		"--bind=" + busDir + ":/run/dbus",
		"--bind-ro=" + machineID + ":/etc/machine-id",
		"--bind-ro=/etc/pam.d", "--bind-ro=/etc/security",
	}
	if opts.Root == "" || opts.Root == "/" {
		args = append(args, "--directory=/", "--volatile=yes")
	} else {
		args = append(args, "--directory="+opts.Root, "--volatile=overlay")
	}
	for _, b := range opts.Binds {
		args = append(args, "--bind="+b)
	}
	return append(args, "--boot", "systemd.unit=multi-user.target",
		"systemd.mask=systemd-machine-id-commit.service",
		"systemd.mask=console-getty.service")
}

// ready waits for the manager to run and finds the leader. With limits set,
// it makes cgroup v1 limits real and waits again after the re-exec that
// takes them into account.
func (c *Container) ready(ctx context.Context, limits bool) error {
	if err := c.waitRunning(ctx); err != nil {
		return err
	}

	leader, err := c.findLeader()
	if err != nil {
		return err
	}
	c.Leader = leader
	if !limits {
		return nil
	}

	if err := c.makeLimitsReal(ctx); err != nil {
		return err
	}
	return c.waitRunning(ctx)
}

// waitRunning polls the container's system bus until SystemState is running
// or degraded. Polling is fine here: this is a test harness waiting for a
// boot, and the bus may not exist yet.
func (c *Container) waitRunning(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()

	addr := "unix:path=" + filepath.Join(c.stateDir, "bus", "system_bus_socket")
	last := errors.New("no answer yet")
	for {
		state, err := c.readState(ctx, addr)
		switch {
		case err != nil:
			last = err
		case state == "running" || state == "degraded":
			return nil
		default:
			last = fmt.Errorf("system state is %q", state)
		}

		select {
		case <-c.exited:
			return fmt.Errorf("systemd-nspawn exited (%v); console:\n%s", c.nspawn.ProcessState, c.consoleTail())
		case <-ctx.Done():
			return fmt.Errorf("wait for the manager: %w (last: %v)", ctx.Err(), last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// readState reads the manager's SystemState, and records its Version.
func (c *Container) readState(ctx context.Context, addr string) (string, error) {
	if _, err := os.Stat(strings.TrimPrefix(addr, "unix:path=")); err != nil {
		return "", err
	}

	callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()

	conn, err := dbus.Connect(addr, dbus.WithContext(callCtx))
	if err != nil {
		return "", err
	}
	defer conn.Close()

	state, version, err := managerState(callCtx, conn)
	if err == nil {
		c.Version = version
	}
	return state, err
}

// findLeader returns the container's PID 1 as seen from the host: the child
// of the systemd-nspawn process, which replaced the shell that started it.
func (c *Container) findLeader() (int, error) {
	pid := c.nspawn.Process.Pid
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0, fmt.Errorf("find container leader: %w", err)
	}

	fields := strings.Fields(string(data))
	if len(fields) != 1 {
		return 0, fmt.Errorf("find container leader: systemd-nspawn has children %q", fields)
	}
	return strconv.Atoi(fields[0])
}

// makeLimitsReal remounts the v1 controller hierarchies that nspawn mounts
// read-only, then re-executes systemd so it sees them writable. Until then
// MemoryMax=, TasksMax= and CPUQuota= are accepted but not enforced.
func (c *Container) makeLimitsReal(ctx context.Context) error {
	hs, err := parseMountinfo(fmt.Sprintf("/proc/%d/mountinfo", c.Leader))
	if err != nil {
		return fmt.Errorf("read container mounts: %w", err)
	}

	for _, h := range hs {
		if h.unified() || !h.readOnly || !carriesWanted(h) || slices.Contains(h.controllers, "name=systemd") {
			continue
		}
		if err := c.enter(ctx, "-m", "mount", "-o", "remount,rw,bind", h.mountPoint); err != nil {
			return fmt.Errorf("make %s writable: %w", h.mountPoint, err)
		}
	}

	if err := c.enter(ctx, "-a", "systemctl", "daemon-reexec"); err != nil {
		return fmt.Errorf("re-execute the manager: %w", err)
	}
	return nil
}

// enter runs a command in the container's namespaces (nsenter flags first).
func (c *Container) enter(ctx context.Context, flag string, argv ...string) error {
	args := append([]string{"-t", strconv.Itoa(c.Leader), flag, "--"}, argv...)
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Command returns a command that runs argv inside the container, in all its
// namespaces, in a transient scope of its own so the manager tracks it like
// any other process. dir is the working directory inside; it must be bound.
func (c *Container) Command(dir string, argv ...string) *exec.Cmd {
	args := []string{"-t", strconv.Itoa(c.Leader), "-a", "--wd=" + dir, "--",
		"systemd-run", "--quiet", "--scope", "--collect", "--"}
	cmd := exec.Command("nsenter", append(args, argv...)...)
	cmd.Env = append(insideEnv(), envInside+"="+c.Name)
	return cmd
}

// insideEnv is this process's environment without what belongs to the host's
// service manager or session, which would mislead a process in the container.
func insideEnv() []string {
	drop := []string{"NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
		"INVOCATION_ID", "JOURNAL_STREAM", "MANAGERPID", "WATCHDOG_PID", "WATCHDOG_USEC",
		"DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS", "XDG_RUNTIME_DIR"}

	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, key) {
			env = append(env, kv)
		}
	}
	return env
}

func (c *Container) consoleTail() string {
	data, _ := os.ReadFile(filepath.Join(c.stateDir, "console.log"))
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
