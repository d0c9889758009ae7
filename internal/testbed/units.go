package testbed

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// UnitDir is where WriteUnit puts unit files.
const UnitDir = "/etc/systemd/system"

// Systemctl runs systemctl with args against the systemd under test and
// returns its combined output. A non-zero exit fails the test.
func Systemctl(tb testing.TB, args ...string) string {
	tb.Helper()

	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("systemctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Show returns one property of a unit as systemctl show prints it.
func Show(tb testing.TB, unit, property string) string {
	tb.Helper()

	out := Systemctl(tb, "show", "--value", "-p", property, unit)
	return strings.TrimSuffix(out, "\n")
}

// WriteUnit writes a unit file into UnitDir and reloads the manager. The test's
// cleanup stops the unit, removes the file, reloads again and resets a failed
// state, so no test leaves a unit behind.
func WriteUnit(tb testing.TB, name, content string) {
	tb.Helper()

	path := filepath.Join(UnitDir, name)
	if err := os.MkdirAll(UnitDir, 0o755); err != nil {
		tb.Fatalf("write unit %s: %v", name, err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatalf("write unit %s: %v", name, err)
	}
	tb.Cleanup(func() { removeUnit(tb, name, path) })

	Systemctl(tb, "daemon-reload")
}

// LinkUnit makes name in UnitDir a symbolic link to target and reloads
// the manager: to another unit's file for an alias, to /dev/null for a
// masked unit. The test's cleanup removes the link and reloads again.
func LinkUnit(tb testing.TB, name, target string) {
	tb.Helper()

	path := filepath.Join(UnitDir, name)
	if err := os.MkdirAll(UnitDir, 0o755); err != nil {
		tb.Fatalf("link unit %s: %v", name, err)
	}
	if err := os.Symlink(target, path); err != nil {
		tb.Fatalf("link unit %s: %v", name, err)
	}
	tb.Cleanup(func() { removeUnit(tb, name, path) })

	Systemctl(tb, "daemon-reload")
}

func removeUnit(tb testing.TB, name, path string) {
	tb.Helper()

	// Errors are ignored on purpose: the unit may never have been started,
	// and a template has no instance of its own name to stop.
	_ = exec.Command("systemctl", "stop", name).Run()
	_ = os.Remove(path)
	_ = exec.Command("systemctl", "daemon-reload").Run()
	_ = exec.Command("systemctl", "reset-failed", name).Run()
}
