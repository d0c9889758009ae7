package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// startScope starts the program as the caller's child, stopped before its
// first instruction, has systemd place it in a new scope, and then lets it
// run: a program that forks at once cannot escape the scope's limits.
func (c *Cmd) startScope(ctx context.Context) error {
	props, err := c.prepareScope()
	if err != nil {
		return err
	}
	if err := c.connect(ctx); err != nil {
		return err
	}
	if c.watch, err = newWatch(ctx, c.conn, c.name, bus.ScopeInterface, c.calls); err != nil {
		return err
	}

	t, err := startTraced(c.proc)
	c.closeAll(c.closeAfterStart)
	c.closeAfterStart = nil
	if err != nil {
		c.proc = nil // already reaped
		return err
	}
	return c.placeAndRun(ctx, t, props)
}

// placeAndRun places the stopped program in the scope and lets it run, or
// kills it if that fails.
func (c *Cmd) placeAndRun(ctx context.Context, t *tracee, props []bus.Property) error {
	created, err := c.placeInScope(ctx, t.pid(), props)
	if err == nil {
		err = t.run()
	} else {
		t.kill()
	}
	if err == nil {
		return nil
	}

	if created {
		c.abandon()
	}
	_ = c.proc.Wait()
	return err
}

// prepareScope checks the fields, names the scope and makes its properties
// and the process, in that order: the process's pipes are opened last.
func (c *Cmd) prepareScope() ([]bus.Property, error) {
	if c.PTY {
		return nil, errors.New("a scope's program cannot have a pseudo-terminal of " +
			"systemd's (PTY): it is the caller's child")
	}

	name, err := scopeName(c.Unit)
	if err != nil {
		return nil, err
	}
	c.name, c.Unit = name, name

	props, err := c.scopeProperties()
	if err != nil {
		return nil, err
	}
	if c.proc, err = c.process(); err != nil {
		return nil, err
	}
	return props, nil
}

// scopeProperties makes the scope's D-Bus properties, all but its PID.
func (c *Cmd) scopeProperties() ([]bus.Property, error) {
	props := []bus.Property{
		{Name: "Description", Value: dbus.MakeVariant(c.description())},
		{Name: "AddRef", Value: dbus.MakeVariant(true)},
		{Name: "CollectMode", Value: dbus.MakeVariant(c.collectMode())},
	}

	var fields []Property
	if c.Slice != "" {
		fields = append(fields, parse("Slice", c.Slice))
	}
	extra, err := scopeBusProperties(append(fields, c.Properties...)...)
	return append(props, extra...), err
}

// process makes the exec.Cmd of the scope's program. Its streams are files
// or nil, any copying being the Cmd's own, so that waiting for the process
// does not wait for pipes that what it left running may hold open.
func (c *Cmd) process() (*exec.Cmd, error) {
	cred, err := c.credential()
	if err != nil {
		return nil, err
	}
	in, out, errFile, err := c.stdioFiles()
	if err != nil {
		return nil, err
	}

	p := &exec.Cmd{Path: c.Path, Args: c.Args, Env: c.Env, Dir: c.Dir,
		SysProcAttr: &syscall.SysProcAttr{Credential: cred}}
	if len(p.Args) == 0 {
		p.Args = []string{c.Path}
	}
	if in != nil {
		p.Stdin = in
	}
	if out != nil {
		p.Stdout = out
	}
	if errFile != nil {
		p.Stderr = errFile
	}
	return p, nil
}

// placeInScope has systemd create the scope with the process in it, and
// waits for its start job. created tells whether the scope may exist.
func (c *Cmd) placeInScope(ctx context.Context, pid int, props []bus.Property) (created bool, err error) {
	pids, err := pidsProperty([]int{pid})
	if err != nil {
		return false, err
	}
	props = append(props, pids)

	var job dbus.ObjectPath
	err = c.calls.do(ctx, func() error {
		return c.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StartTransientUnit,
			c.name, "fail", props, []bus.AuxUnit{}).Store(&job)
	})
	if err != nil {
		return mayHaveStarted(err), err
	}
	c.watch.queued(job)
	return true, c.awaitScopeStart(ctx)
}

// awaitScopeStart waits for the scope's start job to end, and checks that
// the scope runs.
func (c *Cmd) awaitScopeStart(ctx context.Context) error {
	var st unitState
	err := c.watch.wait(ctx, func(s unitState) bool {
		st = s
		return s.started()
	})
	if err != nil {
		return fmt.Errorf("wait for start job: %w", err)
	}

	if st.ActiveState != "active" {
		return &unit.JobError{Unit: c.name, Type: unit.JobStart, Result: unit.JobFailed,
			UnitResult: c.scopeResult(ctx)}
	}
	return nil
}

// scopeResult reads the scope's Result property, "" if it cannot.
func (c *Cmd) scopeResult(ctx context.Context) unit.Result {
	var v dbus.Variant
	err := c.calls.do(ctx, func() (err error) {
		v, err = c.conn.Get(ctx, c.watch.path, bus.ScopeInterface, "Result")
		return err
	})
	if err != nil {
		return ""
	}
	s, _ := v.Value().(string)
	return unit.Result(s)
}

// awaitScope waits for the program to end, then stops the scope, which
// ends what the program left running, as systemd does for a service whose
// main process exited, and reads the result.
func (c *Cmd) awaitScope() (*Result, error) {
	ctx := context.Background()
	err := c.proc.Wait() // an *exec.ExitError only repeats ProcessState
	state := c.proc.ProcessState
	if state == nil {
		return nil, fmt.Errorf("run: wait for process of unit %s: %w", c.name, err)
	}

	if err := c.stopScope(ctx); err != nil {
		return nil, fmt.Errorf("run: stop unit %s: %w", c.name, err)
	}
	if err := c.watch.wait(ctx, unitState.over); err != nil {
		return nil, fmt.Errorf("run: wait for unit %s: %w", c.name, err)
	}

	res, err := c.watch.result(ctx, c.name, !c.NoUsage)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	res.setProcess(state)
	return res, nil
}

func (c *Cmd) stopScope(ctx context.Context) error {
	return c.calls.do(ctx, func() error {
		return c.conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.StopUnit,
			c.name, "replace").Err
	})
}

// setProcess records how a scope's program ended, which only its parent
// saw. systemd's verdict on a scope says nothing of its processes' exit
// statuses, so unless it names a failure of its own (such as oom-kill or
// timeout), UnitResult becomes what a service would have got.
func (r *Result) setProcess(ps *os.ProcessState) {
	r.MainPID = ps.Pid()
	ws, _ := ps.Sys().(syscall.WaitStatus)
	switch {
	case ws.Exited():
		r.Code, r.Status = unit.CodeExited, ws.ExitStatus()
	case ws.Signaled() && ws.CoreDump():
		r.Code, r.Status = unit.CodeDumped, int(ws.Signal())
	case ws.Signaled():
		r.Code, r.Status = unit.CodeKilled, int(ws.Signal())
	}

	if r.UnitResult == unit.ResultSuccess || r.UnitResult == "" {
		r.UnitResult = plainResult(r)
	}
}

// credential returns the user and groups to run the program as, nil for
// the caller's own. A user brings its groups, as User= does for a service.
func (c *Cmd) credential() (*syscall.Credential, error) {
	if c.User == "" && c.Group == "" {
		return nil, nil
	}

	cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid()), NoSetGroups: true}
	if c.User != "" {
		if err := setUser(cred, c.User); err != nil {
			return nil, err
		}
	}
	if c.Group != "" {
		gid, err := lookupGroup(c.Group)
		if err != nil {
			return nil, err
		}
		cred.Gid = gid
	}
	return cred, nil
}

// setUser sets the user, its primary group and its other groups.
func setUser(cred *syscall.Credential, name string) error {
	u, err := user.Lookup(name)
	if err != nil && isNumber(name) {
		u, err = user.LookupId(name)
	}
	if err != nil {
		return fmt.Errorf("look up user %s: %w", name, err)
	}

	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("look up user %s: %w", name, err)
	}
	cred.Uid, cred.Gid = uint32(uid), uint32(gid)

	groups, err := u.GroupIds()
	if err != nil {
		return fmt.Errorf("look up groups of user %s: %w", name, err)
	}
	cred.Groups, cred.NoSetGroups = nil, false
	for _, g := range groups {
		if id, err := strconv.ParseUint(g, 10, 32); err == nil {
			cred.Groups = append(cred.Groups, uint32(id))
		}
	}
	return nil
}

func lookupGroup(name string) (uint32, error) {
	g, err := user.LookupGroup(name)
	if err != nil && isNumber(name) {
		g, err = user.LookupGroupId(name)
	}
	if err != nil {
		return 0, fmt.Errorf("look up group %s: %w", name, err)
	}

	gid, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("look up group %s: %w", name, err)
	}
	return uint32(gid), nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}
