package bench

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	gsdactivation "github.com/coreos/go-systemd/v22/activation"
	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/activation"
	"github.com/gostemd/gostemd/internal/testbed"
)

// firstListenFD is SD_LISTEN_FDS_START.
const firstListenFD = 3

// activationCases adopt the descriptors of a synthetic socket activation:
// a TCP socket named "web" at descriptor 3 and a unix socket named "admin"
// at 4. Each iteration puts both back with dup3 and sets the environment
// again where the library unsets it, so both libraries pay the same setup.
var activationCases = map[string]func(b *testing.B, fds *listenFDs){
	"Files/gostemd/Adopt": func(b *testing.B, fds *listenFDs) {
		for b.Loop() {
			fds.install(b)
			set, err := activation.Adopt(nil)
			if err != nil || set.Len() != 2 {
				fatalf(b, "adopt: %v (%d descriptors)", err, set.Len())
			}
			set.Close()
		}
	},

	"Files/go-systemd/Files": func(b *testing.B, fds *listenFDs) {
		for b.Loop() {
			fds.install(b)
			files := gsdactivation.Files(false)
			if len(files) != 2 {
				fatalf(b, "files: %d descriptors", len(files))
			}
			for _, f := range files {
				f.Close()
			}
		}
	},

	"Listeners/gostemd/Adopt+Listener": func(b *testing.B, fds *listenFDs) {
		opts := &activation.Options{UnsetEnv: true}
		for b.Loop() {
			fds.install(b)
			fds.setenv()
			set, err := activation.Adopt(opts)
			if err != nil {
				fatalf(b, "%v", err)
			}
			for _, name := range []string{"web", "admin"} {
				ln, err := set.Listener(name)
				if err != nil {
					fatalf(b, "%v", err)
				}
				ln.Close()
			}
			set.Close()
		}
	},

	"Listeners/go-systemd/ListenersWithNames": func(b *testing.B, fds *listenFDs) {
		for b.Loop() {
			fds.install(b)
			fds.setenv()
			byName, err := gsdactivation.ListenersWithNames()
			if err != nil || len(byName["web"]) != 1 || len(byName["admin"]) != 1 {
				fatalf(b, "listeners: %v %v", byName, err)
			}
			for _, lns := range byName {
				for _, ln := range lns {
					ln.Close()
				}
			}
		}
	},
}

// BenchmarkActivation runs each case in a helper process started with the
// two sockets at descriptors 3 and 4. It cannot run in this process: the Go
// runtime keeps its cgroup CPU limit files open there.
func BenchmarkActivation(b *testing.B) {
	for _, name := range []string{
		"Files/gostemd/Adopt", "Files/go-systemd/Files",
		"Listeners/gostemd/Adopt+Listener", "Listeners/go-systemd/ListenersWithNames",
	} {
		b.Run(name, func(b *testing.B) {
			reportChild(b, func() (testing.BenchmarkResult, error) {
				return runActivationHelper(b, name)
			})
		})
	}
}

// runActivationHelper starts the activation helper for one case.
func runActivationHelper(b *testing.B, name string) (testing.BenchmarkResult, error) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return testing.BenchmarkResult{}, err
	}
	defer tcp.Close()
	unixLn, err := net.Listen("unix", filepath.Join(b.TempDir(), "admin.sock"))
	if err != nil {
		return testing.BenchmarkResult{}, err
	}
	defer unixLn.Close()

	var files []*os.File
	for _, ln := range []net.Listener{tcp, unixLn} {
		f, err := ln.(interface{ File() (*os.File, error) }).File()
		if err != nil {
			return testing.BenchmarkResult{}, err
		}
		defer f.Close()
		files = append(files, f)
	}

	argv := testbed.HelperCommand("activation", name)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles = files
	// The Go runtime rereads the cgroup's CPU limit from time to time; a
	// file it opened in the gap after a case closed descriptor 3 or 4 would
	// be clobbered by the next dup3, and the case would fail.
	cmd.Env = append(os.Environ(), "GODEBUG=containermaxprocs=0,updatemaxprocs=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return testing.BenchmarkResult{}, fmt.Errorf("activation helper %s: %w", name, err)
	}
	return parseChildResult(out)
}

// listenFDs keeps a copy of each inherited socket out of the way, to put
// back at its place before every iteration.
type listenFDs struct {
	copies [2]int
}

func (l *listenFDs) install(b *testing.B) {
	for i, fd := range l.copies {
		// Linux fails dup3 with EBUSY while another thread of the process
		// is opening a file at the target number; it is over at once.
		err := unix.Dup3(fd, firstListenFD+i, 0)
		for err == unix.EBUSY {
			err = unix.Dup3(fd, firstListenFD+i, 0)
		}
		if err != nil {
			fatalf(b, "dup3 to %d: %v", firstListenFD+i, err)
		}
	}
}

func (l *listenFDs) setenv() {
	os.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	os.Setenv("LISTEN_FDS", "2")
	os.Setenv("LISTEN_FDNAMES", "web:admin")
}

// activationHelper runs one activation case with testing.Benchmark, in a
// process whose descriptors 3 and 4 are the sockets, and prints the result.
func activationHelper(args []string) int {
	run, ok := activationCases[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "no activation case %q\n", args[0])
		return 2
	}

	// The Go runtime opens its poller's descriptors the first time it
	// needs them; opened in a gap after a case closed descriptor 3 or 4,
	// they would be clobbered by the next dup3. A pipe makes it open them
	// now, while 3 and 4 are taken.
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r.Close()
	w.Close()

	fds := &listenFDs{}
	for i := range fds.copies {
		fd, err := unix.FcntlInt(uintptr(firstListenFD+i), unix.F_DUPFD_CLOEXEC, 100)
		if err != nil {
			fmt.Fprintf(os.Stderr, "copy descriptor %d: %v\n", firstListenFD+i, err)
			return 1
		}
		fds.copies[i] = fd
	}
	fds.setenv()

	res := testing.Benchmark(func(b *testing.B) { run(b, fds) })
	if res.N == 0 {
		fmt.Fprintln(os.Stderr, "activation case failed")
		return 1
	}
	printChildResult(res)
	return 0
}

// fatalf ends a case in the activation helper, where testing.Benchmark
// would drop the message of b.Fatalf: it goes to standard error first.
func fatalf(b *testing.B, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	b.FailNow()
}
