// Command socket is an HTTP server that systemd starts on its first request:
// socket activation.
//
// With socket activation systemd opens the listening socket itself, from a
// .socket unit, and starts the service only when a connection arrives. The
// service then serves on the socket systemd hands it, which it finds by
// name (FileDescriptorName= in the .socket file) with the activation
// package. Until then no process runs at all, and the socket accepts
// connections from the moment systemd creates it, even while the server
// starts or restarts.
//
// The two unit files sit next to this file, gostemd-hello.socket and
// gostemd-hello.service, and are compiled into the program. Run as root,
// against the host's systemd or through the launcher that boots a
// throwaway one when the host has none:
//
//	go build -o bin/ ./examples/socket ./internal/cmd/withsystemd
//	./bin/withsystemd ./bin/socket
//
// Without arguments it installs the units, shows that the service is
// inactive before the first connection, sends an HTTP request, shows the
// answer and the now active service, and uninstalls everything. The steps
// can also be taken one by one on a machine that runs systemd:
//
//	socket install    # write the units to /run/systemd/system, start the socket
//	curl --unix-socket /run/gostemd-hello.sock http://localhost/
//	socket uninstall  # stop both units and remove them
//
// systemd runs `socket serve`, the server itself.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/activation"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

const (
	socketUnit  = "gostemd-hello.socket"
	serviceUnit = "gostemd-hello.service"
	unitDir     = "/run/systemd/system"

	// socketPath is the ListenStream= of the socket unit.
	socketPath = "/run/gostemd-hello.sock"
	// listenerName is its FileDescriptorName=.
	listenerName = "http"
)

var (
	//go:embed gostemd-hello.socket
	socketFile string
	//go:embed gostemd-hello.service
	serviceFile string
)

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode == "serve" {
		os.Exit(serve())
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "socket: %v\n", err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := run(ctx, os.Stdout, mode, []string{exe}); err != nil {
		fmt.Fprintf(os.Stderr, "socket: %v\n", err)
		os.Exit(1)
	}
}

// run runs one mode: "" for the whole demonstration, "install" or
// "uninstall". program is the command line that runs this program; the
// service file appends "serve" to it.
func run(ctx context.Context, w io.Writer, mode string, program []string) error {
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		return fmt.Errorf("connect to systemd: %w", err)
	}
	defer m.Close()

	switch mode {
	case "":
		return demo(ctx, w, m, program)
	case "install":
		if err := install(ctx, w, m, program); err != nil {
			return err
		}
		fmt.Fprintf(w, "try: curl --unix-socket %s http://localhost/\n", socketPath)
		return nil
	case "uninstall":
		return uninstall(ctx, w, m)
	default:
		return fmt.Errorf("unknown mode %q (want install, uninstall, serve or none)", mode)
	}
}

func demo(ctx context.Context, w io.Writer, m *manager.Manager, program []string) (err error) {
	// Uninstall even what a failed install left behind.
	defer func() { err = errors.Join(err, uninstall(ctx, w, m)) }()
	if err := install(ctx, w, m, program); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nbefore the first connection:")
	if err := printState(ctx, w, m); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nGET http://localhost/ through %s\n", socketPath)
	status, body, err := get(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "    %s\n    %s\n", status, body)

	fmt.Fprintln(w, "\nafter it:")
	return printState(ctx, w, m)
}

// install writes both unit files, with this program's path in ExecStart=,
// reloads systemd and starts the socket, but not the service.
func install(ctx context.Context, w io.Writer, m *manager.Manager, program []string) error {
	service := strings.Replace(serviceFile, "@PROGRAM@", execLine(program), 1)
	files := map[string]string{socketUnit: socketFile, serviceUnit: service}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(unitDir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("install %s: %w", name, err)
		}
	}
	if err := m.Reload(ctx); err != nil {
		return fmt.Errorf("reload systemd: %w", err)
	}
	fmt.Fprintf(w, "installed %s and %s in %s, reloaded systemd\n",
		socketUnit, serviceUnit, unitDir)

	job, err := m.StartUnit(ctx, socketUnit, unit.ModeReplace)
	if err != nil {
		return fmt.Errorf("start unit %s: %w", socketUnit, err)
	}
	if err := job.Wait(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "started %s\n", socketUnit)
	return nil
}

// printState shows where the socket listens and what both units are doing.
func printState(ctx context.Context, w io.Writer, m *manager.Manager) error {
	sock, err := m.LoadUnit(ctx, socketUnit)
	if err != nil {
		return err
	}
	sp, err := sock.Properties(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", socketUnit, err)
	}
	props, err := sock.Socket(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", socketUnit, err)
	}
	var listen []string
	for _, l := range props.Listen {
		listen = append(listen, l.Address+" ("+l.Type+")")
	}
	fmt.Fprintf(w, "    %-22s %s (%s), address %s\n", socketUnit, sp.ActiveState, sp.SubState,
		strings.Join(listen, ", "))

	return printService(ctx, w, m)
}

func printService(ctx context.Context, w io.Writer, m *manager.Manager) error {
	u, err := m.LoadUnit(ctx, serviceUnit)
	if err != nil {
		return err
	}
	p, err := u.Properties(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", serviceUnit, err)
	}
	svc, err := u.Service(ctx)
	if err != nil {
		return fmt.Errorf("read unit %s: %w", serviceUnit, err)
	}

	process := "no process"
	if svc.MainPID != 0 {
		process = fmt.Sprintf("main PID %d", svc.MainPID)
	}
	fmt.Fprintf(w, "    %-22s %s (%s), %s\n", serviceUnit, p.ActiveState, p.SubState, process)
	return nil
}

// get sends one HTTP request to the socket and returns the status line and
// the body.
func get(ctx context.Context) (status, body string, err error) {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		DisableKeepAlives: true,
	}}

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost/", nil)
	if err != nil {
		return "", "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("request through %s: %w", socketPath, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", fmt.Errorf("read answer: %w", err)
	}
	return resp.Proto + " " + resp.Status, strings.TrimSpace(string(data)), nil
}

// uninstall stops both units, removes their files and reloads systemd.
func uninstall(ctx context.Context, w io.Writer, m *manager.Manager) error {
	var errs []error
	for _, name := range []string{socketUnit, serviceUnit} {
		job, err := m.StopUnit(ctx, name, unit.ModeReplace)
		if err == nil {
			err = job.Wait(ctx)
		}
		if !errors.Is(err, gostemd.ErrNoSuchUnit) { // not installed: nothing to stop
			errs = append(errs, err)
		}
	}
	for _, name := range []string{socketUnit, serviceUnit} {
		err := os.Remove(filepath.Join(unitDir, name))
		if !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, m.Reload(ctx))

	fmt.Fprintf(w, "\nuninstalled: stopped %s and %s, removed their files, reloaded systemd\n",
		socketUnit, serviceUnit)
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

// serve is the HTTP server that systemd starts. It adopts the listening
// socket systemd passed it, by name, and serves on it until SIGTERM.
func serve() int {
	fds, err := activation.Adopt(&activation.Options{UnsetEnv: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := fds.Listener(listenerName)
	if errors.Is(err, activation.ErrNotFound) {
		fmt.Fprintf(os.Stderr, "no socket named %q: start me through %s\n",
			listenerName, socketUnit)
		return 1
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	srv := &http.Server{Handler: newHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func newHandler() http.Handler {
	var count atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello from PID %d, request %d: systemd started me on the first connection "+
			"and handed me its socket %q.\n", os.Getpid(), count.Add(1), listenerName)
	})
}
