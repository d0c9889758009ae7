package activation_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gostemd/gostemd/activation"
	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) {
	testbed.Main(m,
		testbed.Helper{Name: "report", Run: report},
		testbed.Helper{Name: "serve", Run: serve},
	)
}

// envSelfPID asks the report helper to claim the descriptors for itself, as
// systemd would by setting LISTEN_PID to the service's PID: the parent that
// starts it cannot know its PID in advance.
const envSelfPID = "GOSTEMD_TEST_LISTEN_SELF"

// report adopts what it was passed and prints a description of it.
func report(args []string) int {
	if os.Getenv(envSelfPID) != "" {
		os.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	}

	set, err := activation.Adopt(&activation.Options{UnsetEnv: true})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println(describe(set))
	return 0
}

// describe tells what a Set holds: the sorted names, whether every
// descriptor is close-on-exec, and whether the variables are gone.
func describe(set *activation.Set) string {
	names := set.Names()
	slices.Sort(names)

	cloexec := true
	for _, f := range set.Files() {
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
		cloexec = cloexec && err == nil && flags&unix.FD_CLOEXEC != 0
	}

	_, envLeft := os.LookupEnv("LISTEN_FDS")
	return fmt.Sprintf("names=%s cloexec=%t env=%t", strings.Join(names, ","), cloexec, envLeft)
}

// serve is the socket-activated service of the integration tests. It answers
// every connection on its "web" and "admin" listeners with the listener's
// name and a description of what it adopted, and every datagram on its
// datagram socket with "pong" and the socket's name.
func serve(args []string) int {
	set, err := activation.Adopt(&activation.Options{UnsetEnv: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	summary := describe(set)

	// Asking for the wrong kind must fail cleanly; the answer says how.
	_, wrongKind := set.PacketConn("admin")
	summary += " wrongkind=" + strconv.Quote(fmt.Sprint(wrongKind))

	if err := serveListeners(set, summary); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := serveDatagrams(set, args[0]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	return 0
}

func serveListeners(set *activation.Set, summary string) error {
	webs, err := set.Listeners("web")
	if err != nil {
		return err
	}
	admin, err := set.Listener("admin")
	if err != nil {
		return err
	}

	for _, ln := range webs {
		go answer(ln, "web "+summary)
	}
	go answer(admin, "admin "+summary)
	return nil
}

func answer(ln net.Listener, text string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.WriteString(c, text+"\n")
		c.Close()
	}
}

func serveDatagrams(set *activation.Set, name string) error {
	pc, err := set.PacketConn(name)
	if err != nil {
		return err
	}

	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo([]byte("pong "+name+" "+string(buf[:n])), from)
		}
	}()
	return nil
}
