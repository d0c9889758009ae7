// Command gorun is a small systemd-run built on package run: it runs a
// command as a transient service, or with --scope in a transient scope, with
// properties given as -p Name=value, and reports the result the way
// systemd-run --wait does.
//
//	gorun [--user] [--unit NAME] [--slice NAME] [--collect] [-q]
//	      [--wait] [--pipe | --pty | --scope] [-p Name=value ...] COMMAND [ARG...]
//
// Without --wait, --pipe, --pty or --scope it starts the unit, prints its
// name and returns; the command's output goes to the journal. --pipe passes
// gorun's standard input, output and error to the command, --pty gives it
// a pseudo-terminal; either waits for the command and exits with its exit
// status. --scope runs the command as gorun's child in a scope, as
// systemd-run --scope does (unlike systemd-run, --wait may be added to see
// the scope's result). --wait prints the result once the unit has stopped.
//
// Run it as root against the host's systemd, or through the launcher that
// boots a throwaway one when the host has none:
//
//	go build -o bin/ ./examples/gorun ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/gorun --wait -p MemoryMax=10M sh -c 'exit 3'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := gorun(ctx, os.Stdin, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "gorun: %v\n", err)
	}
	os.Exit(code)
}

// options are gorun's command line.
type options struct {
	props                  []run.Property
	wait, pipe, pty, scope bool
	user, collect, quiet   bool
	unit, slice            string
	argv                   []string
}

// parseArgs reads the command line; the first argument that is not a flag
// starts the command.
func parseArgs(args []string, errOut io.Writer) (*options, error) {
	var o options
	fs := flag.NewFlagSet("gorun", flag.ContinueOnError)
	fs.SetOutput(errOut)

	addProperty := func(s string) error {
		p, err := run.ParseProperty(s)
		o.props = append(o.props, p)
		return err
	}
	fs.Func("p", "set a unit property, as Name=value (repeatable)", addProperty)
	fs.Func("property", "same as -p", addProperty)
	for _, b := range []struct {
		v     *bool
		names []string
		usage string
	}{
		{&o.wait, []string{"wait"}, "wait for the unit to stop and print its result"},
		{&o.pipe, []string{"pipe", "P"}, "pass standard input, output and error to the command"},
		{&o.pty, []string{"pty", "t"}, "give the command a pseudo-terminal"},
		{&o.scope, []string{"scope"}, "run the command as a child, in a transient scope"},
		{&o.user, []string{"user"}, "talk to the calling user's manager"},
		{&o.collect, []string{"collect", "G"}, "unload the unit even if it failed"},
		{&o.quiet, []string{"quiet", "q"}, "print no status lines"},
	} {
		for _, name := range b.names {
			fs.BoolVar(b.v, name, false, b.usage)
		}
	}
	fs.StringVar(&o.unit, "unit", "", "name the unit")
	fs.StringVar(&o.unit, "u", "", "same as --unit")
	fs.StringVar(&o.slice, "slice", "", "put the unit into this slice")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &o, o.check(fs.Args())
}

func (o *options) check(argv []string) error {
	o.argv = argv
	switch {
	case len(argv) == 0:
		return errors.New("no command given")
	case o.pty && (o.pipe || o.scope):
		return errors.New("--pty cannot be combined with --pipe or --scope")
	}
	if o.slice != "" && !strings.HasSuffix(o.slice, ".slice") {
		o.slice += ".slice"
	}
	return nil
}

// waits tells whether gorun stays until the command has ended.
func (o *options) waits() bool {
	return o.wait || o.pipe || o.pty || o.scope
}

// gorun runs the command line args and returns gorun's exit status.
func gorun(ctx context.Context, in io.Reader, out, errOut io.Writer, args []string) (int, error) {
	errOut = shareable(errOut)
	o, err := parseArgs(args, errOut)
	if err != nil {
		return 2, err
	}

	opts := &manager.Options{}
	if o.user {
		opts.Scope = manager.User
	}
	conn, err := run.Connect(ctx, opts)
	if err != nil {
		return 1, err
	}
	defer conn.Close()

	cmd := o.command(ctx, in, out, errOut)
	cmd.Conn = conn
	if err := cmd.Start(); err != nil {
		return 1, err
	}
	return o.finish(cmd, in, errOut)
}

// command makes the Cmd. A Cmd that gorun does not wait for has no context:
// its unit must outlive gorun.
func (o *options) command(ctx context.Context, in io.Reader, out, errOut io.Writer) *run.Cmd {
	cmd := run.Command(o.argv[0], o.argv[1:]...)
	if o.waits() {
		cmd = run.CommandContext(ctx, o.argv[0], o.argv[1:]...)
	}

	cmd.Unit, cmd.Slice, cmd.Scope = o.unit, o.slice, o.scope
	cmd.KeepFailed = !o.collect
	cmd.Properties = o.props
	switch {
	case o.pty:
		cmd.PTY = true
		cmd.Stdin, cmd.Stdout = in, out
	case o.pipe || o.scope:
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errOut
	}
	return cmd
}

// finish reports the start and, if gorun waits, the end of the run.
func (o *options) finish(cmd *run.Cmd, in io.Reader, errOut io.Writer) (int, error) {
	if !o.quiet {
		kind := ""
		if o.scope {
			kind = "scope "
		}
		fmt.Fprintf(errOut, "Running %sas unit: %s\n", kind, cmd.Unit)
	}
	if !o.waits() {
		return 0, nil
	}

	if o.pty {
		restore := makeRaw(in)
		defer restore()
	}
	err := cmd.Wait()
	var ee *run.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 1, err
	}

	if o.wait && !o.quiet {
		printResult(errOut, cmd.Result, o.scope)
	}
	return exitStatus(cmd.Result), nil
}

// exitStatus is gorun's exit status for a run, as systemd-run --wait picks
// it: 0 for the unit result "success", the exit status for "exit-code",
// 255 for "signal", 1 otherwise.
func exitStatus(r *run.Result) int {
	switch {
	case r.UnitResult == "success":
		return 0
	case r.UnitResult == "exit-code" && r.Status > 0:
		return r.Status
	case r.UnitResult == "signal":
		return 255
	}
	return 1
}

// shareable makes w safe for gorun's status lines and the command's
// standard error, which a goroutine of the Cmd copies into w, unless w is a
// file, which the command then writes to itself.
func shareable(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok {
		return w
	}
	return &lockedWriter{w: w}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
