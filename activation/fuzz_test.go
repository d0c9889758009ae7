package activation

import (
	"strconv"
	"testing"
)

// FuzzParseEnv checks that any environment parses without panicking, and
// that a successful parse names every descriptor exactly once.
func FuzzParseEnv(f *testing.F) {
	f.Add("4242", "3", "web:web:dns", true)
	f.Add("4242", "1", "", false)
	f.Add("4242", "0", "a", true)
	f.Add("1", "2", "a:b", true)
	f.Add("x", "-1", "::", true)

	f.Fuzz(func(t *testing.T, pid, fds, names string, withNames bool) {
		env := map[string]string{envPID: pid, envFDs: fds}
		if withNames {
			env[envNames] = names
		}

		p, err := parseEnv(lookupIn(env), testPID)
		if err != nil {
			return
		}
		if len(p.names) != p.count {
			t.Fatalf("%d descriptors with %d names", p.count, len(p.names))
		}
		if n, _ := strconv.Atoi(pid); p.count > 0 && n != testPID {
			t.Fatalf("adopted %d descriptors for LISTEN_PID=%q", p.count, pid)
		}
	})
}
