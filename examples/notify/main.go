// Command notify shows a Type=notify service with a status line and a
// watchdog, and what systemd makes of them.
//
// A Type=notify service tells systemd itself when it is ready, with
// READY=1, instead of being taken as ready once it is forked: the start job,
// and every unit ordered after it, waits for that message. Meanwhile, and
// afterwards, STATUS= messages set the line systemctl status shows. With
// WatchdogSec= the service must also ping systemd (WATCHDOG=1) regularly;
// when it stops, systemd takes it as hung and kills it, with the unit's
// result "watchdog".
//
// The program writes gostemd-notify-demo.service to /run/systemd/system and
// starts it without waiting. While the service sets up, the unit stays
// "activating" and the start job pending; a signal lets the service finish
// and send READY=1, and the job ends. A second signal makes the service stop
// pinging its watchdog, and systemd kills it within WatchdogSec=. Then the
// program removes the unit.
//
// Run it as root, against the host's systemd or, when the host has none,
// through the launcher that boots a throwaway one:
//
//	go build -o bin/ ./examples/notify ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/notify
//
// The service is this same program: systemd runs `notify service`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/sdnotify"
	"github.com/gostemd/gostemd/unit"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "service" {
		os.Exit(service())
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "notify: %v\n", err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := run(ctx, os.Stdout, []string{exe, "service"}); err != nil {
		fmt.Fprintf(os.Stderr, "notify: %v\n", err)
		os.Exit(1)
	}
}

const (
	unitName = "gostemd-notify-demo.service"
	unitDir  = "/run/systemd/system"
)

// unitFile is the service's unit. install puts the command line of the
// service where it says @SERVICE@.
const unitFile = `[Unit]
Description=Type=notify service of the gostemd notify example

[Service]
Type=notify
ExecStart=@SERVICE@
WatchdogSec=4s
# No core file from the watchdog's SIGABRT: Go logs its goroutines anyway.
LimitCORE=0
`

// The service's status lines, in the order it sends them. It pings at half
// the WatchdogSec= of unitFile.
const (
	statusSettingUp = "setting up (send SIGUSR1 to finish)"
	statusReady     = "ready; pinging the watchdog every 2s"
	statusStuck     = "stuck on purpose: no more watchdog pings"
)

// run is the whole demonstration. service is the command line systemd runs
// as the service.
func run(ctx context.Context, w io.Writer, service []string) (err error) {
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to systemd: %w", err)
	}
	defer m.Close()

	if err := install(ctx, w, m, service); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanUp(ctx, w, m)) }()

	u, err := m.LoadUnit(ctx, unitName)
	if err != nil {
		return err
	}
	if err := startUntilReady(ctx, w, u); err != nil {
		return err
	}
	return hangUntilKilled(ctx, w, u)
}

func install(ctx context.Context, w io.Writer, m *manager.Manager, service []string) error {
	path := filepath.Join(unitDir, unitName)
	content := strings.Replace(unitFile, "@SERVICE@", execLine(service), 1)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write unit: %w", err)
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

// startUntilReady starts the service, shows that it stays activating while
// it sets up, and lets it finish.
func startUntilReady(ctx context.Context, w io.Writer, u *unit.Unit) error {
	job, err := u.Start(ctx, unit.ModeReplace)
	if err != nil {
		return fmt.Errorf("start unit %s: %w", unitName, err)
	}
	fmt.Fprintf(w, "started %s, without waiting for the start job\n", unitName)

	p, svc, err := await(ctx, u, func(_ *unit.Properties, svc *unit.ServiceProperties) bool {
		return svc.StatusText == statusSettingUp
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "    status: %q\n", svc.StatusText)
	fmt.Fprintf(w, "    unit:   %s (%s), main PID %d; start job %s\n",
		p.ActiveState, p.SubState, svc.MainPID, jobState(job))

	fmt.Fprintln(w, "sent SIGUSR1: the service finishes setting up and sends READY=1")
	if err := u.Kill(ctx, unit.KillMain, syscall.SIGUSR1); err != nil {
		return err
	}
	if err := job.Wait(ctx); err != nil {
		return err
	}

	p, svc, err = await(ctx, u, func(_ *unit.Properties, svc *unit.ServiceProperties) bool {
		return svc.StatusText == statusReady
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "    start job: %s\n", job.Result())
	fmt.Fprintf(w, "    unit:   %s (%s), main PID %d\n", p.ActiveState, p.SubState, svc.MainPID)
	fmt.Fprintf(w, "    status: %q\n", svc.StatusText)
	fmt.Fprintf(w, "    systemd expects a watchdog ping every %v\n", svc.Watchdog)
	return nil
}

// jobState says whether a job is still waiting.
func jobState(job *unit.Job) string {
	select {
	case <-job.Done():
		return "already ended: " + string(job.Result())
	default:
		return "still waiting for READY=1"
	}
}

// hangUntilKilled makes the service stop pinging its watchdog and waits
// for systemd to kill it.
func hangUntilKilled(ctx context.Context, w io.Writer, u *unit.Unit) error {
	svc, err := u.Service(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", unitName, err)
	}
	pid := svc.MainPID

	fmt.Fprintln(w, "\nsent SIGUSR2: the service stops pinging the watchdog and hangs")
	if err := u.Kill(ctx, unit.KillMain, syscall.SIGUSR2); err != nil {
		return err
	}
	_, svc, err = await(ctx, u, func(_ *unit.Properties, svc *unit.ServiceProperties) bool {
		return svc.StatusText == statusStuck
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "    status: %q\n", svc.StatusText)

	p, svc, err := await(ctx, u, func(p *unit.Properties, _ *unit.ServiceProperties) bool {
		return p.ActiveState == unit.Failed || p.ActiveState == unit.Inactive
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "no ping for %v, so systemd killed it:\n", svc.Watchdog)
	fmt.Fprintf(w, "    unit:   %s (%s), result %s\n", p.ActiveState, p.SubState, svc.Result)
	fmt.Fprintf(w, "    main process %d: %s\n", pid, howEnded(svc))
	return nil
}

// howEnded says how the service's main process ended.
func howEnded(svc *unit.ServiceProperties) string {
	exited := svc.ExecMainCode == unit.CodeExited
	if exited && svc.ExecMainStatus == 2 && svc.Result == unit.ResultWatchdog {
		return "exited with status 2, as Go programs do on SIGABRT, the watchdog's signal"
	}
	if exited {
		return fmt.Sprintf("exited with status %d", svc.ExecMainStatus)
	}
	sig := syscall.Signal(svc.ExecMainStatus)
	return fmt.Sprintf("%s by %s", svc.ExecMainCode, unix.SignalName(sig))
}

// await reads the unit until cond holds. gostemd does not deliver unit
// state changes as events yet, so this polls, briefly.
func await(ctx context.Context, u *unit.Unit,
	cond func(*unit.Properties, *unit.ServiceProperties) bool,
) (*unit.Properties, *unit.ServiceProperties, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()

	for {
		p, err := u.Properties(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read unit %s: %w", unitName, err)
		}
		svc, err := u.Service(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read unit %s: %w", unitName, err)
		}
		if cond(p, svc) {
			return p, svc, nil
		}

		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("wait for unit %s (%s, status %q): %w",
				unitName, p.ActiveState, svc.StatusText, ctx.Err())
		}
	}
}

// cleanUp stops the service if it still runs, clears its failed state,
// removes its file and reloads systemd.
func cleanUp(ctx context.Context, w io.Writer, m *manager.Manager) error {
	var errs []error
	job, err := m.StopUnit(ctx, unitName, unit.ModeReplace)
	if err == nil {
		err = job.Wait(ctx)
	}
	errs = append(errs, err)

	u, err := m.LoadUnit(ctx, unitName)
	if err == nil {
		err = u.ResetFailed(ctx)
	}
	errs = append(errs, err)

	path := filepath.Join(unitDir, unitName)
	errs = append(errs, os.Remove(path), m.Reload(ctx))
	fmt.Fprintf(w, "\ncleaned up: reset the failed unit, removed %s, reloaded systemd\n", path)
	return errors.Join(errs...)
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

// service is the Type=notify service. It pings the watchdog from the start,
// sets up until SIGUSR1, reports READY=1, and on SIGUSR2 stops pinging and
// hangs, as a deadlocked program would.
func service() int {
	n := sdnotify.FromEnv(&sdnotify.Options{UnsetEnv: true})
	defer n.Close()
	ctx := context.Background()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM)

	pings, stopPings := context.WithCancel(ctx)
	defer stopPings()
	pinging := make(chan error, 1)
	go func() { pinging <- n.RunWatchdog(pings) }()

	steps := []struct {
		status string
		ready  bool
	}{
		{statusSettingUp, false}, // until SIGUSR1
		{statusReady, true},      // until SIGUSR2
	}
	for _, step := range steps {
		msgs := []sdnotify.Message{sdnotify.Status(step.status)}
		if step.ready {
			msgs = append(msgs, sdnotify.Ready())
		}
		if err := n.Notify(ctx, msgs...); err != nil {
			return fail(err)
		}

		select {
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				return 0
			}
		case err := <-pinging:
			return fail(err)
		}
	}

	stopPings()
	<-pinging
	if err := n.Notify(ctx, sdnotify.Status(statusStuck)); err != nil {
		return fail(err)
	}
	// Hang, as a deadlocked program would; SIGTERM still ends it.
	signal.Stop(sigs)
	for {
		time.Sleep(time.Hour)
	}
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "service:", err)
	return 1
}
