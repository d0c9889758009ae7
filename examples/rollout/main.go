// Command rollout rolls a new version of an app out with a template unit.
//
// A template is a unit file whose name ends in "@", here app@.service. Each
// instance, such as app@v1.service, runs the same file with its instance
// name ("v1") put wherever the file says %i. So one file can run version 1
// and version 2 side by side; once version 2 looks good, stopping
// app@v1.service finishes the switch, and starting it again would roll back.
//
// The program writes the template to /run/systemd/system (runtime units,
// gone at the next boot) and reloads systemd, starts app@v1 and app@v2,
// shows each one's instance and main PID and asks each version to answer,
// then stops v1 while v2 keeps running, and removes everything it made.
//
// Run it as root, against the host's systemd or, when the host has none,
// through the launcher that boots a throwaway one:
//
//	go build -o bin/ ./examples/rollout ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/rollout
//
// The app is this same program: systemd runs `rollout serve VERSION` for
// each instance. It answers on a unix socket in its runtime directory and
// tells systemd with READY=1 when it is ready.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/sdnotify"
	"github.com/gostemd/gostemd/unit"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serve(os.Args[2:]))
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rollout: %v\n", err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := run(ctx, os.Stdout, []string{exe, "serve"}); err != nil {
		fmt.Fprintf(os.Stderr, "rollout: %v\n", err)
		os.Exit(1)
	}
}

const (
	templateName = "app@.service"
	unitDir      = "/run/systemd/system"
)

// templateFile is the unit file of every version of the app. systemd puts
// the instance, the version, where it says %i; install puts the command line
// of the app where it says @APP@.
const templateFile = `[Unit]
Description=Demo app, version %i (gostemd rollout example)

[Service]
Type=notify
ExecStart=@APP@ %i
RuntimeDirectory=app-%i
`

// run rolls the app out from v1 to v2. app is the command line that runs the
// app; systemd appends the version to it.
func run(ctx context.Context, w io.Writer, app []string) (err error) {
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to systemd: %w", err)
	}
	defer m.Close()

	v1, v2, err := instanceNames()
	if err != nil {
		return err
	}

	if err := install(ctx, w, m, app); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanUp(ctx, w, m, v1, v2)) }()

	if err := startBoth(ctx, w, m, v1, v2); err != nil {
		return err
	}
	return switchOver(ctx, w, m, v1, v2)
}

// install writes the template and reloads systemd, as systemctl
// daemon-reload does, so that systemd reads it.
func install(ctx context.Context, w io.Writer, m *manager.Manager, app []string) error {
	path := filepath.Join(unitDir, templateName)
	if err := checkNoOtherTemplate(ctx, m, path); err != nil {
		return err
	}

	content := strings.Replace(templateFile, "@APP@", execLine(app), 1)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	if err := m.Reload(ctx); err != nil {
		os.Remove(path)
		return fmt.Errorf("reload systemd: %w", err)
	}

	fmt.Fprintf(w, "wrote %s and reloaded systemd:\n", path)
	for _, line := range strings.Split(strings.TrimSpace(content), "\n") {
		if line != "" {
			line = "    " + line
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	return nil
}

// checkNoOtherTemplate refuses to go on when systemd knows an app@.service
// that is not this program's: its instances would be someone's real app.
func checkNoOtherTemplate(ctx context.Context, m *manager.Manager, ours string) error {
	files, err := m.ListUnitFiles(ctx, &manager.ListOptions{Patterns: []string{templateName}})
	if err != nil {
		return fmt.Errorf("list unit files: %w", err)
	}
	for _, f := range files {
		if f.Path != ours {
			return fmt.Errorf("%s already exists, in %s; this example leaves it alone",
				templateName, f.Path)
		}
	}
	return nil
}

// instanceNames builds the names of two instances from the template's name.
func instanceNames() (v1, v2 string, err error) {
	tmpl, err := unit.ParseName(templateName)
	if err != nil {
		return "", "", err
	}
	n1, err := tmpl.WithInstance("v1")
	if err != nil {
		return "", "", err
	}
	n2, err := tmpl.WithInstance("v2")
	if err != nil {
		return "", "", err
	}
	return n1.String(), n2.String(), nil
}

// startBoth starts both versions, shows how systemd sees them, and asks each
// one to answer.
func startBoth(ctx context.Context, w io.Writer, m *manager.Manager, v1, v2 string) error {
	for _, name := range []string{v1, v2} {
		if err := start(ctx, w, m, name); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\nboth versions run side by side:")
	if err := printInstances(ctx, w, m); err != nil {
		return err
	}

	fmt.Fprintln(w)
	for _, name := range []string{v1, v2} {
		answer, err := ask(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s answers: %s\n", name, answer)
	}
	return nil
}

// start starts one instance and waits for its job, which ends once the app
// has sent READY=1.
func start(ctx context.Context, w io.Writer, m *manager.Manager, name string) error {
	job, err := m.StartUnit(ctx, name, unit.ModeReplace)
	if err != nil {
		return fmt.Errorf("start unit %s: %w", name, err)
	}
	if err := job.Wait(ctx); err != nil {
		return err
	}

	u, err := m.LoadUnit(ctx, name)
	if err != nil {
		return err
	}
	svc, err := u.Service(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", name, err)
	}
	n, err := unit.ParseName(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "started %s: instance %q, main PID %d\n", name, n.Instance(), svc.MainPID)
	return nil
}

// printInstances lists the loaded instances of the template, as
// systemctl list-units 'app@*' does, with each one's main PID.
func printInstances(ctx context.Context, w io.Writer, m *manager.Manager) error {
	units, err := m.ListUnits(ctx, &manager.ListOptions{Patterns: []string{"app@*.service"}})
	if err != nil {
		return fmt.Errorf("list instances: %w", err)
	}
	slices.SortFunc(units, func(a, b manager.UnitStatus) int {
		return strings.Compare(a.Name, b.Name)
	})

	fmt.Fprintf(w, "    %-16s %-9s %-9s %s\n", "UNIT", "INSTANCE", "MAIN PID", "STATE")
	for _, st := range units {
		u, err := m.LoadUnit(ctx, st.Name)
		if err != nil {
			return err
		}
		svc, err := u.Service(ctx)
		if err != nil {
			return fmt.Errorf("read unit %s: %w", st.Name, err)
		}
		n, err := unit.ParseName(st.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "    %-16s %-9s %-9d %s (%s)\n",
			st.Name, n.Instance(), svc.MainPID, st.ActiveState, st.SubState)
	}
	return nil
}

// switchOver stops the old version and shows that the new one runs on,
// untouched.
func switchOver(ctx context.Context, w io.Writer, m *manager.Manager, v1, v2 string) error {
	before, err := mainPID(ctx, m, v2)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "\nswitching over to v2: stopping %s\n", v1)
	job, err := m.StopUnit(ctx, v1, unit.ModeReplace)
	if err != nil {
		return fmt.Errorf("stop unit %s: %w", v1, err)
	}
	if err := job.Wait(ctx); err != nil {
		return err
	}

	u, err := m.LoadUnit(ctx, v1)
	if err != nil {
		return err
	}
	p, err := u.Properties(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", v1, err)
	}
	after, err := mainPID(ctx, m, v2)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s is now %s (%s); %s still runs as main PID %d (before: %d)\n",
		v1, p.ActiveState, p.SubState, v2, after, before)

	return printRunning(ctx, w, m)
}

func mainPID(ctx context.Context, m *manager.Manager, name string) (uint32, error) {
	u, err := m.LoadUnit(ctx, name)
	if err != nil {
		return 0, err
	}
	svc, err := u.Service(ctx)
	if err != nil {
		return 0, fmt.Errorf("read unit %s: %w", name, err)
	}
	return svc.MainPID, nil
}

// printRunning names the instances that are active.
func printRunning(ctx context.Context, w io.Writer, m *manager.Manager) error {
	units, err := m.ListUnits(ctx, &manager.ListOptions{
		States:   []string{"active"},
		Patterns: []string{"app@*.service"},
	})
	if err != nil {
		return fmt.Errorf("list instances: %w", err)
	}

	var names []string
	for _, u := range units {
		names = append(names, u.Name)
	}
	fmt.Fprintf(w, "active instances of %s: %s\n", templateName, strings.Join(names, ", "))
	return nil
}

// cleanUp stops the instances that still run, removes the template and
// reloads systemd. It runs even when the demo failed half way.
func cleanUp(ctx context.Context, w io.Writer, m *manager.Manager, instances ...string) error {
	var errs []error
	var stopped []string
	for _, name := range instances {
		u, err := m.LoadUnit(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := u.Properties(ctx)
		if err != nil || p.ActiveState == unit.Inactive {
			errs = append(errs, err)
			continue
		}

		job, err := u.Stop(ctx, unit.ModeReplace)
		if err == nil {
			err = job.Wait(ctx)
		}
		errs = append(errs, err)
		stopped = append(stopped, name)
	}

	path := filepath.Join(unitDir, templateName)
	errs = append(errs, os.Remove(path), m.Reload(ctx))
	if len(stopped) > 0 {
		fmt.Fprintf(w, "\ncleaning up: stopped %s", strings.Join(stopped, ", "))
	} else {
		fmt.Fprint(w, "\ncleaning up: no instance left running")
	}
	fmt.Fprintf(w, "; removed %s and reloaded systemd\n", path)
	return errors.Join(errs...)
}

// ask connects to an instance's socket and returns the line it answers.
func ask(ctx context.Context, name string) (string, error) {
	n, err := unit.ParseName(name)
	if err != nil {
		return "", err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socketPath(n.Instance()))
	if err != nil {
		return "", fmt.Errorf("ask %s: %w", name, err)
	}
	defer c.Close()

	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("ask %s: %w", name, err)
	}
	return strings.TrimSpace(line), nil
}

// socketPath is where the app of a version answers: in the runtime
// directory systemd makes for it (RuntimeDirectory=app-%i).
func socketPath(version string) string {
	return filepath.Join("/run", "app-"+version, "app.sock")
}

// execLine writes a command line for ExecStart=, quoting what systemd would
// otherwise split or expand.
func execLine(argv []string) string {
	quoted := make([]string, len(argv))
	for i, arg := range argv {
		arg = strings.ReplaceAll(arg, "%", "%%")
		arg = strings.ReplaceAll(arg, "$", "$$")
		if strings.ContainsAny(arg, " \t\"'\\;") || arg == "" {
			arg = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(arg) + `"`
		}
		quoted[i] = arg
	}
	return strings.Join(quoted, " ")
}

// serve is the app: it answers every connection on its socket with its
// version and PID, and tells systemd it is ready once it listens.
func serve(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: rollout serve VERSION")
		return 2
	}
	version := args[0]

	ln, err := net.Listen("unix", socketPath(version))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer ln.Close()
	go answer(ln, fmt.Sprintf("hello from version %s, PID %d\n", version, os.Getpid()))

	ready := []sdnotify.Message{sdnotify.Ready(), sdnotify.Status("serving version " + version)}
	if err := sdnotify.Notify(context.Background(), ready...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return 0
}

func answer(ln net.Listener, text string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.WriteString(c, text)
		c.Close()
	}
}
