package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

// Cmd is a program to run as a transient systemd service, the way
// systemd-run --wait runs it, or with Scope set, as the caller's child in a
// transient scope, the way systemd-run --scope runs it. It mirrors
// exec.Cmd: set the fields, then call Run, Output or CombinedOutput, or
// Start and Wait. A Cmd cannot be reused.
type Cmd struct {
	// Path is the program to run. Command sets it to the result of a PATH
	// lookup in the caller's environment, as exec.Command does; a relative
	// Path is taken relative to Dir, else to the caller's working directory.
	Path string

	// Args is the command line, Args[0] included. Empty means Path alone.
	Args []string

	// Env is the environment, as KEY=value strings added to the one systemd
	// gives every service. Unlike os/exec, nil does not pass the caller's
	// environment on: the unit gets the manager's, as with systemd-run.
	Env []string

	// Dir is the working directory. Unlike os/exec, empty means the
	// manager's default (the root directory for the system manager, the
	// user's home for a user manager), not the caller's directory.
	Dir string

	// Stdin is the unit's standard input. An *os.File is passed to systemd
	// as a file descriptor; any other reader is copied into a pipe by a
	// goroutine until EOF or until the unit stops reading. Nil means
	// /dev/null.
	Stdin io.Reader

	// Stdout and Stderr receive the unit's output. An *os.File is passed
	// as a file descriptor; any other writer is fed from a pipe by a
	// goroutine, and Wait returns once the pipe is drained. If both are
	// the same writer, the output arrives through one pipe, in order.
	// Unlike os/exec, nil sends the output to the journal, as systemd-run
	// does; use a file opened on os.DevNull to drop it.
	Stdout io.Writer
	Stderr io.Writer

	// PTY gives the unit a new pseudo-terminal as its standard input,
	// output and error, as systemd-run --pty does: Stdin is copied to the
	// terminal once the program runs, and what the unit writes to it
	// arrives on Stdout with the terminal's line discipline applied ("\n"
	// becomes "\r\n"), or is dropped if Stdout is nil. Stderr is not used.
	// TERM is passed on from the caller's environment unless Env sets it.
	// The unit is Type=exec, and Start returns once the program runs.
	// False, the default, uses Stdin, Stdout and Stderr as described above.
	PTY bool

	// Unit is the transient unit's name. A name without a suffix gets
	// ".service". Empty means a name drawn at random, such as
	// "run-gostemd-5e2f4b0c19d8a7e3.service". Start sets it to the full
	// name it uses.
	Unit string

	// Description is the unit's description. Empty means the command line.
	Description string

	// User and Group run the program as that user and group (User=,
	// Group=). Empty means the manager's own: root for the system manager.
	User  string
	Group string

	// Slice puts the unit into a slice, such as "batch.slice". Empty means
	// the manager's default, system.slice for the system manager.
	Slice string

	// Properties are more settings of the unit, such as MemoryMax(10 << 20)
	// or ProtectSystem(ProtectSystemStrict), applied after those the fields
	// above make, so they can override them.
	Properties []Property

	// Scope runs the program as a child of the caller, as os/exec does,
	// placed in a new transient scope unit instead of a service, as
	// systemd-run --scope does. The program's first instruction already
	// runs in the scope, under its limits. The unit name gets ".scope";
	// Properties may only be those a scope applies, such as MemoryMax,
	// TasksMax, CPUQuota or RuntimeMaxSec (others fail Start with
	// ErrNotForScope). Env, Dir, Stdin, Stdout and Stderr then mean what
	// they mean for exec.Cmd: nil Env is the caller's environment, empty
	// Dir the caller's directory, nil streams /dev/null. User and Group are
	// set by the caller when it forks, which needs root; PTY is refused.
	// The manager must see the caller's PIDs: it runs on the same machine,
	// in the same PID namespace. See "Scopes" in the package documentation.
	// False, the default, runs a service.
	Scope bool

	// Conn is the connection to the manager that runs the unit. Nil means
	// Manager's connection, or if Manager is nil too, the default
	// connection: one Conn that the package dials for the first such Cmd
	// and keeps for the life of the process, as net/http keeps its
	// connections, to the system manager when the caller is root, else to
	// the caller's user manager (one per bus address).
	Conn *Conn

	// Manager is the manager that runs the unit, as an alternative to Conn
	// (setting both fails Start): the Cmd uses the Manager's connection,
	// which must be a bus connection, not systemd's private socket
	// (manager.Options.Private), where a Cmd could not hold its unit.
	//
	// NB: Cmds on a Manager do not keep to the bound of 32 calls waiting
	// for a reply that Cmds sharing a Conn keep to: a few hundred Cmds
	// started at once on one Manager can exceed the system bus's limit of
	// 128 pending replies per connection.
	Manager *manager.Manager

	// KeepFailed leaves a failed unit loaded after Wait, so that systemctl
	// status shows it until systemctl reset-failed (CollectMode=inactive).
	// False, the default, lets systemd unload it as soon as Wait has read
	// its result, whatever the outcome (CollectMode=inactive-or-failed).
	KeepFailed bool

	// NoUsage leaves Result.Usage empty (all nil). Wait then returns as
	// soon as systemd reports the unit's end, instead of asking systemd for
	// the unit's resource counters afterwards, a round trip that costs
	// about a millisecond on a small machine, in which systemd is busy
	// cleaning up after the unit. False, the default, reads them.
	NoUsage bool

	// Err is an error Command met while preparing the Cmd, such as a
	// failed PATH lookup; Start returns it.
	Err error

	// Result is what the unit reported, set by Wait once it has stopped.
	Result *Result

	ctx     context.Context
	started bool
	waited  bool

	conn    *bus.Conn // the connection in use
	calls   *gate     // bounds calls on a shared connection
	proc    *exec.Cmd // a scope's process
	watch   *watch
	name    string
	stopped chan error    // the context watcher's verdict
	done    chan struct{} // closed when Wait no longer needs the watcher

	closeAfterStart []io.Closer
	closeAfterWait  []io.Closer
	copiers         []func() error
	copyErrs        chan error
}

// Command returns a Cmd that runs name with the given arguments, as
// exec.Command does. A name without a slash is looked up in the caller's
// PATH when Command is called.
func Command(name string, arg ...string) *Cmd {
	c := &Cmd{Path: name, Args: append([]string{name}, arg...)}
	if filepath.Base(name) != name {
		return c
	}

	path, err := exec.LookPath(name)
	if path != "" {
		c.Path = path
	}
	if err != nil {
		c.Err = err
	}
	return c
}

// CommandContext is Command with a context: if ctx is done before the unit
// stops, every process of the unit is killed with SIGKILL and the unit is
// stopped, and Wait returns ctx's error.
func CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	if ctx == nil {
		panic("run: nil Context")
	}
	c := Command(name, arg...)
	c.ctx = ctx
	return c
}

// String returns the command line, for error messages and descriptions.
func (c *Cmd) String() string {
	args := c.Args
	if len(args) == 0 {
		args = []string{c.Path}
	}
	return strings.Join(append([]string{c.Path}, args[1:]...), " ")
}

// Run starts the unit and waits for it to stop. A run that does not succeed
// (see Result.Success) returns an *ExitError.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the unit and returns its standard output. If Stderr is nil, the
// start and end of the standard error output are kept in the ExitError.
func (c *Cmd) Output() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("run: Stdout already set")
	}
	var stdout bytes.Buffer
	c.Stdout = &stdout

	var stderr *saver
	if c.Stderr == nil {
		stderr = &saver{max: 64 << 10}
		c.Stderr = stderr
	}

	err := c.Run()
	var ee *ExitError
	if stderr != nil && errors.As(err, &ee) {
		ee.Stderr = stderr.Bytes()
	}
	return stdout.Bytes(), err
}

// CombinedOutput runs the unit and returns its standard output and standard
// error, interleaved as written.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("run: Stdout already set")
	}
	if c.Stderr != nil {
		return nil, errors.New("run: Stderr already set")
	}

	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return b.Bytes(), err
}

// Start starts the unit and returns once systemd has queued its start job.
//
// Unlike os/exec, a program that cannot be executed does not fail Start:
// systemd reports it when the unit stops, and Wait returns an ExitError
// with one of systemd's own exit statuses (203 for EXEC; see "Process Exit
// Codes" in systemd.exec(5)).
//
// With Scope, Start forks and executes the program itself, as os/exec
// does, so a program that cannot be executed fails Start. It returns once
// the program runs in the started scope.
func (c *Cmd) Start() (err error) {
	if c.started {
		return errors.New("run: already started")
	}
	if c.Err != nil {
		c.closeAll(c.closeAfterStart, c.closeAfterWait)
		return c.Err
	}
	ctx := c.context()
	if err := ctx.Err(); err != nil {
		c.closeAll(c.closeAfterStart, c.closeAfterWait)
		return err
	}
	c.started = true

	defer func() {
		if err != nil {
			c.cleanup()
		}
	}()
	if err := c.start(ctx); err != nil && c.name == "" {
		return fmt.Errorf("run: %w", err)
	} else if err != nil {
		return fmt.Errorf("run: start unit %s: %w", c.name, err)
	}

	c.runCopiers()
	c.watchContext()
	return nil
}

// awaitTerminal waits, for a unit with a pseudo-terminal, until its process
// has been executed (the unit is Type=exec): systemd resets the terminal
// while it sets up the process, which would discard input sent earlier.
func (c *Cmd) awaitTerminal(ctx context.Context) error {
	if !c.PTY {
		return nil
	}
	return c.watch.wait(ctx, unitState.started)
}

// start does the work of Start: connect, watch, and ask systemd to start
// the unit.
func (c *Cmd) start(ctx context.Context) error {
	if c.Scope {
		return c.startScope(ctx)
	}

	name, err := c.unitName()
	if err != nil {
		return err
	}
	c.name, c.Unit = name, name

	props, err := c.properties()
	if err != nil {
		return err
	}
	if err := c.connect(ctx); err != nil {
		return err
	}
	err = c.calls.do(ctx, func() error { return c.startUnit(ctx, props) })
	if err == nil {
		err = c.awaitTerminal(ctx)
	}

	// A unit started without anyone left to wait for it would run on
	// unsupervised, so make sure it is not running, and not held either.
	if c.watch != nil && mayHaveStarted(err) {
		c.abandon()
	}
	return err
}

// startUnit subscribes to the unit's changes, then has systemd start it.
func (c *Cmd) startUnit(ctx context.Context, props []bus.Property) error {
	var err error
	if c.watch, err = newWatch(ctx, c.conn, c.name, bus.ServiceInterface, c.calls); err != nil {
		return err
	}

	var job dbus.ObjectPath
	err = c.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
		c.name, "fail", props, []bus.AuxUnit{}).Store(&job)
	c.closeAll(c.closeAfterStart)
	c.closeAfterStart = nil
	if err != nil {
		return err
	}
	c.watch.queued(job)
	return nil
}

func (c *Cmd) context() context.Context {
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

// connect takes the Conn or Manager given, or the default connection.
func (c *Cmd) connect(ctx context.Context) error {
	switch {
	case c.Conn != nil && c.Manager != nil:
		return errors.New("both Conn and Manager are set")
	case c.Conn != nil:
		c.conn, c.calls = c.Conn.bus, c.Conn.calls
		return nil
	case c.Manager != nil:
		return c.useManager()
	}

	conn, err := defaultConn(ctx)
	if err != nil {
		return err
	}
	c.conn, c.calls = conn.bus, conn.calls
	return nil
}

// useManager takes the connection of Manager, which must lead to a bus.
func (c *Cmd) useManager() error {
	conn := client.OfManager(c.Manager).Conn
	if conn.Peer() {
		return errPeer
	}
	c.conn = conn
	return nil
}

// unitName returns Unit, completed with ".service", or a random name.
func (c *Cmd) unitName() (string, error) {
	if c.Unit == "" {
		return randomName(".service"), nil
	}
	name := c.Unit
	if !strings.Contains(name, ".") {
		name += ".service"
	}
	if err := unit.ValidateName(name); err != nil {
		return "", err
	}
	if !strings.HasSuffix(name, ".service") {
		return "", fmt.Errorf("unit name %q: not a service", name)
	}
	return name, nil
}

// properties makes the unit's D-Bus properties from the Cmd's fields, in
// order: the command, the optional fields, the standard streams (which opens
// the pipes, so it comes after everything that can fail), and Properties.
func (c *Cmd) properties() ([]bus.Property, error) {
	base, err := c.baseProperties()
	if err != nil {
		return nil, err
	}
	extra, err := busProperties(c.Properties...)
	if err != nil {
		return nil, err
	}

	stdio, err := c.streamProperties()
	if err != nil {
		return nil, err
	}
	return slices.Concat(base, stdio, extra), nil
}

// streamProperties sets up the unit's standard streams.
func (c *Cmd) streamProperties() ([]bus.Property, error) {
	if c.PTY {
		return c.ptyProperties()
	}
	return c.stdioProperties()
}

// baseProperties makes the properties of the command itself and of the
// optional fields. The arguments reach the program as they are, as with
// os/exec: see escapeDollars.
func (c *Cmd) baseProperties() ([]bus.Property, error) {
	path, err := c.absPath()
	if err != nil {
		return nil, err
	}
	argv := c.Args
	if len(argv) == 0 {
		argv = []string{c.Path}
	}

	props := []bus.Property{
		{Name: "Description", Value: dbus.MakeVariant(c.description())},
		{Name: "ExecStart", Value: dbus.MakeVariant([]bus.ExecStart{{
			Path: path, Argv: escapeDollars(argv),
		}})},
		{Name: "AddRef", Value: dbus.MakeVariant(true)},
		{Name: "CollectMode", Value: dbus.MakeVariant(c.collectMode())},
	}
	fields, err := busProperties(c.fieldProperties()...)
	return append(props, fields...), err
}

// escapeDollars doubles every "$" in argv, so that systemd's expansion of
// $VAR and ${VAR} in command lines gives back the argument as it was.
//
// The no-env-expand flag of ExecStartEx= would say so directly, but
// systemd 252 writes ExecStartEx= into the transient unit file, which its
// own parser refuses when the unit is loaded again by daemon-reload or
// daemon-reexec (the unit turns bad-setting and is unloaded).
func escapeDollars(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = strings.ReplaceAll(a, "$", "$$")
	}
	return out
}

// fieldProperties are the Properties that the optional fields stand for.
func (c *Cmd) fieldProperties() []Property {
	var props []Property
	if c.User != "" {
		props = append(props, User(c.User))
	}
	if c.Group != "" {
		props = append(props, Group(c.Group))
	}
	if c.Slice != "" {
		props = append(props, parse("Slice", c.Slice))
	}
	if c.Dir != "" {
		props = append(props, WorkingDirectory(c.Dir))
	}
	if len(c.Env) > 0 {
		props = append(props, Environment(c.Env...))
	}
	return props
}

// absPath makes Path absolute, as systemd wants it.
func (c *Cmd) absPath() (string, error) {
	if filepath.IsAbs(c.Path) {
		return c.Path, nil
	}
	if c.Dir != "" {
		return filepath.Join(c.Dir, c.Path), nil
	}
	return filepath.Abs(c.Path)
}

func (c *Cmd) description() string {
	if c.Description != "" {
		return c.Description
	}
	return c.String()
}

func (c *Cmd) collectMode() string {
	if c.KeepFailed {
		return "inactive"
	}
	return "inactive-or-failed"
}

// runCopiers starts the goroutines that feed and drain the pipes.
func (c *Cmd) runCopiers() {
	c.copyErrs = make(chan error, len(c.copiers))
	for _, fn := range c.copiers {
		go func() { c.copyErrs <- fn() }()
	}
}

// watchContext starts a goroutine that stops the unit when the Cmd's
// context is done. It reports on c.stopped whether it did.
func (c *Cmd) watchContext() {
	c.done = make(chan struct{})
	c.stopped = make(chan error, 1)
	if c.ctx == nil || c.ctx.Done() == nil {
		c.stopped <- nil
		return
	}

	go func() {
		select {
		case <-c.done:
			c.stopped <- nil
		case <-c.ctx.Done():
			c.stopped <- c.stop()
		}
	}()
}

// stopTimeout bounds the calls that stop a unit whose context is done.
const stopTimeout = 10 * time.Second

// stop stops the unit because the Cmd's context is done. It returns the
// context's error if that stopped anything.
func (c *Cmd) stop() error {
	if !c.kill() {
		return nil
	}
	return c.ctx.Err()
}

// kill kills the unit's processes with SIGKILL, as os/exec kills its
// process, and stops the unit, which also cancels a start not yet run. It
// reports whether either call did something.
func (c *Cmd) kill() bool {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()

	if c.proc != nil && c.proc.Process != nil {
		// Also kill it here, in case the unit cannot be reached.
		_ = c.proc.Process.Kill()
	}
	killErr := c.calls.do(ctx, func() error {
		return c.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.KillUnit,
			c.name, "all", int32(syscall.SIGKILL)).Err
	})
	stopErr := c.calls.do(ctx, func() error {
		return c.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StopUnit,
			c.name, "replace").Err
	})
	return killErr == nil || stopErr == nil
}

// abandon kills and stops a watched unit whose start failed, and drops the
// reference it may have been started with. systemd handles these calls
// after the start, which went first on the same connection. The unit may
// not exist, or hold no reference of ours: then they do nothing.
func (c *Cmd) abandon() {
	c.kill()

	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	c.watch.unref(ctx, c.name)
}

// mayHaveStarted tells whether a failed StartTransientUnit may still have
// started the unit: the call was abandoned or lost, not refused.
func mayHaveStarted(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		bus.Lost(err)
}

// Wait waits for the unit to stop and for the copying to and from its pipes
// to end, then sets Result and releases what Start took. A run that does not
// succeed (see Result.Success) returns an *ExitError; a run stopped because
// the context was done returns the context's error.
//
// With Scope, Wait waits for the program to exit, then stops the scope,
// which ends whatever the program left running in it, as systemd does for
// a service whose main process exited (SIGTERM, then SIGKILL after
// TimeoutStopSec=), and reads the scope's result.
func (c *Cmd) Wait() error {
	if !c.started {
		return errors.New("run: not started")
	}
	if c.waited {
		return errors.New("run: Wait was already called")
	}
	c.waited = true

	res, err := c.awaitEnd()
	if err != nil {
		// The unit may run on: stop copying rather than wait for its
		// pipes to end.
		c.closeAll(c.closeAfterWait)
		c.closeAfterWait = nil
	}
	close(c.done)
	stopErr := <-c.stopped
	copyErr := c.awaitCopiers()
	c.cleanup()

	c.Result = res
	switch {
	case err != nil:
		return err
	case stopErr != nil:
		return stopErr
	case !res.Success():
		return &ExitError{Result: res}
	}
	return copyErr
}

// awaitEnd waits for the run to end, as the unit's kind decides.
func (c *Cmd) awaitEnd() (*Result, error) {
	if c.Scope {
		return c.awaitScope()
	}
	return c.awaitUnit()
}

// awaitUnit waits for the unit to stop and reads its result. The unit's
// reference (AddRef) keeps it loaded until then, even if it is collected
// on failure, so the result cannot be lost.
func (c *Cmd) awaitUnit() (*Result, error) {
	ctx := context.Background()
	if err := c.watch.wait(ctx, unitState.over); err != nil {
		return nil, fmt.Errorf("run: wait for unit %s: %w", c.name, err)
	}
	res, err := c.watch.result(ctx, c.name, !c.NoUsage)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	return res, nil
}

// awaitCopiers waits for the pipe goroutines and returns the first error.
func (c *Cmd) awaitCopiers() error {
	var first error
	for range c.copiers {
		if err := <-c.copyErrs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// cleanup closes the pipes and the watch.
func (c *Cmd) cleanup() {
	c.closeAll(c.closeAfterStart, c.closeAfterWait)
	c.closeAfterStart, c.closeAfterWait = nil, nil
	if c.watch != nil {
		c.watch.close()
	}
}

func (c *Cmd) closeAll(lists ...[]io.Closer) {
	for _, list := range lists {
		for _, f := range list {
			f.Close()
		}
	}
}

// errPeer refuses a connection that cannot hold a reference to a unit.
var errPeer = errors.New("a Cmd needs a bus connection to hold its unit " +
	"(systemd's private socket has no AddRef)")
