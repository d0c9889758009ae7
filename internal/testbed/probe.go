package testbed

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Major returns the leading number of the manager's version, such as 252 for
// "252.39-1~deb12u2", for tests of features that need a newer systemd. It
// is 0 when the version does not start with a number.
func (s *System) Major() int {
	end := strings.IndexFunc(s.Version, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s.Version)
	}
	v, _ := strconv.Atoi(s.Version[:end])
	return v
}

// awaitTimeout bounds AwaitShow and Ask: generous, since systemd itself
// decides when a state changes, and a slow CI machine must not fail a test.
const awaitTimeout = 20 * time.Second

// AwaitShow waits until a unit's property, as systemctl show prints it,
// reads want, and fails the test if it does not within 20 seconds. It polls:
// it checks what systemd reports, independently of the code under test.
func AwaitShow(tb testing.TB, unit, property, want string) {
	tb.Helper()

	var got string
	for deadline := time.Now().Add(awaitTimeout); time.Now().Before(deadline); {
		got = Show(tb, unit, property)
		if got == want {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	tb.Fatalf("%s: %s is %q, want %q", unit, property, got, want)
}

// Ask connects to a stream socket, reads one line and returns it without
// its newline: enough to talk to a service under test.
func Ask(tb testing.TB, network, addr string) string {
	tb.Helper()

	c, err := net.DialTimeout(network, addr, awaitTimeout)
	if err != nil {
		tb.Fatalf("ask %s %s: %v", network, addr, err)
	}
	defer c.Close()

	if err := c.SetDeadline(time.Now().Add(awaitTimeout)); err != nil {
		tb.Fatalf("ask %s %s: %v", network, addr, err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		tb.Fatalf("ask %s %s: %v", network, addr, err)
	}
	return strings.TrimSpace(line)
}
