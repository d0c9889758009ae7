// Command sandbox shows systemd's file system sandboxing on transient
// services: PrivateTmp, ProtectHome, ProtectSystem, ReadOnlyPaths,
// InaccessiblePaths, BindPaths and TemporaryFileSystem. For each property it
// runs a small shell script in a unit of its own and prints, on one line,
// what the sandboxed process could and could not see or write, next to what
// this program sees.
//
// The program creates a scratch directory under /tmp and a marker file in
// /root, and removes both when it ends. Each unit runs as root: the sandbox,
// not file permissions, is what stops it.
//
// Run it as root on a machine where systemd is PID 1, or through the
// project's launcher, which boots a throwaway systemd when the host has none:
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/sandbox
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gostemd/gostemd/run"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := demo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
		os.Exit(1)
	}
}

// A step demonstrates one property in the scratch directory dir. It returns
// the property it used and a line saying what the unit saw.
type step func(ctx context.Context, dir string) (run.Property, string, error)

func demo(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("/tmp", "gostemd-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(w, "DIR is %s, a scratch directory of this program.\n", dir)
	fmt.Fprintln(w, "Each line is one transient service, running as root, with one property:")

	steps := []step{privateTmp, protectHome, protectSystem, readOnlyPaths,
		inaccessiblePaths, bindPaths, temporaryFileSystem}
	for _, show := range steps {
		prop, line, err := show(ctx, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", prop.Name(), err)
		}
		label := strings.ReplaceAll(prop.String(), dir, "DIR")
		fmt.Fprintf(w, "%-30s %s\n", label, strings.ReplaceAll(line, dir, "DIR"))
	}
	return nil
}

// sandboxed runs a shell script as a transient service with a property and
// returns its output, without the final newline.
func sandboxed(ctx context.Context, script string, prop run.Property) (string, error) {
	cmd := run.CommandContext(ctx, "sh", "-c", script)
	cmd.Properties = []run.Property{prop}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("run %q in %s: %w: %s", script, cmd.Unit, err, out)
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// check is a shell function for the scripts: it runs a command and prints
// "ok", or the reason the command gave for failing (the text after its last
// colon, such as "Read-only file system").
const check = `check() { if err=$("$@" 2>&1); then echo ok; else echo "${err##*: }"; fi; }
`

// privateTmp: the unit gets a /tmp of its own. It does not see the file this
// program put in DIR, and the file it writes at the same path (after
// creating DIR in its own /tmp) never reaches this program's DIR.
func privateTmp(ctx context.Context, dir string) (run.Property, string, error) {
	prop := run.PrivateTmp(true)
	if err := writeNote(dir, "ours.txt", "from the caller"); err != nil {
		return prop, "", err
	}

	script := check + "echo \"reading DIR/ours.txt: $(check cat " + dir + "/ours.txt)\"; " +
		"mkdir -p " + dir + " && echo hello > " + dir + "/theirs.txt"
	out, err := sandboxed(ctx, script, prop)
	if err != nil {
		return prop, "", err
	}
	where := "is in our DIR too"
	if _, err := os.Stat(filepath.Join(dir, "theirs.txt")); errors.Is(err, fs.ErrNotExist) {
		where = "is not in our DIR"
	}
	return prop, fmt.Sprintf("the unit %s; DIR/theirs.txt, which it wrote, %s", out, where), nil
}

// protectHome: /root (like /home and /run/user) is empty for the unit, even
// though this program just put a file there.
func protectHome(ctx context.Context, dir string) (run.Property, string, error) {
	prop := run.ProtectHome(run.ProtectHomeYes)
	marker := filepath.Join("/root", filepath.Base(dir)+".txt")
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		return prop, "", err
	}
	defer os.Remove(marker)

	ours, err := os.ReadDir("/root")
	if err != nil {
		return prop, "", err
	}
	out, err := sandboxed(ctx, "ls -A /root | wc -l", prop)
	if err != nil {
		return prop, "", err
	}
	return prop, fmt.Sprintf("/root holds %d entries for us (one is %s), %s for the unit",
		len(ours), filepath.Base(marker), out), nil
}

// protectSystem: with "strict" the whole file system is read-only for the
// unit, /etc and /usr included (only /dev, /proc and /sys are left alone).
// In the project's throwaway container /usr is read-only for everyone, so
// there /etc and /var are what show the difference.
func protectSystem(ctx context.Context, dir string) (run.Property, string, error) {
	prop := run.ProtectSystem(run.ProtectSystemStrict)
	name := filepath.Base(dir)
	script := check + "for d in /etc /usr /var; do " +
		"echo \"writing $d: $(check touch $d/" + name + ")\"; done"
	out, err := sandboxed(ctx, script, prop)
	if err != nil {
		return prop, "", err
	}
	return prop, "the unit " + strings.ReplaceAll(out, "\n", "; "), nil
}

// readOnlyPaths: the unit reads a directory but cannot write into it.
func readOnlyPaths(ctx context.Context, dir string) (run.Property, string, error) {
	ro := filepath.Join(dir, "read-only")
	prop := run.ReadOnlyPaths(ro)
	if err := writeNote(ro, "note.txt", "kept as is"); err != nil {
		return prop, "", err
	}

	script := check + "echo \"reading note.txt: $(check cat " + ro + "/note.txt)\"; " +
		"echo \"writing new.txt: $(check touch " + ro + "/new.txt)\""
	out, err := sandboxed(ctx, script, prop)
	if err != nil {
		return prop, "", err
	}
	return prop, "the unit " + strings.ReplaceAll(out, "\n", "; "), nil
}

// inaccessiblePaths: the directory and everything in it is out of reach;
// systemd mounts an empty, inaccessible directory over it.
func inaccessiblePaths(ctx context.Context, dir string) (run.Property, string, error) {
	hidden := filepath.Join(dir, "hidden")
	prop := run.InaccessiblePaths(hidden)
	if err := writeNote(hidden, "secret.txt", "a secret"); err != nil {
		return prop, "", err
	}

	script := check + "echo \"reading secret.txt: $(check cat " + hidden + "/secret.txt)\"; " +
		"echo \"listing " + hidden + ": $(ls -A " + hidden + " 2>&1 | wc -l) entries\""
	out, err := sandboxed(ctx, script, prop)
	if err != nil {
		return prop, "", err
	}
	return prop, "the unit " + strings.ReplaceAll(out, "\n", "; "), nil
}

// bindPaths: a directory of this program appears at /mnt for the unit, and
// what the unit writes there lands in that directory.
func bindPaths(ctx context.Context, dir string) (run.Property, string, error) {
	data := filepath.Join(dir, "data")
	prop := run.BindPaths(run.Bind{Source: data, Destination: "/mnt"})
	if err := writeNote(data, "note.txt", "shared"); err != nil {
		return prop, "", err
	}

	out, err := sandboxed(ctx, "ls /mnt | tr '\\n' ' '; echo reply > /mnt/reply.txt", prop)
	if err != nil {
		return prop, "", err
	}
	ours, err := names(data)
	if err != nil {
		return prop, "", err
	}
	return prop, fmt.Sprintf("the unit lists /mnt: %s, and writes reply.txt there; "+
		"DIR/data now holds: %s", strings.TrimSpace(out), ours), nil
}

// temporaryFileSystem: the unit finds an empty tmpfs over a directory, and
// what it writes there is gone when it stops.
func temporaryFileSystem(ctx context.Context, dir string) (run.Property, string, error) {
	cache := filepath.Join(dir, "cache")
	prop := run.TemporaryFileSystem(run.TmpFS{Path: cache})
	if err := writeNote(cache, "note.txt", "ours"); err != nil {
		return prop, "", err
	}

	script := "echo \"$(ls -A " + cache + " | wc -l) entries\"; " +
		"echo scratch > " + cache + "/scratch.txt"
	out, err := sandboxed(ctx, script, prop)
	if err != nil {
		return prop, "", err
	}
	ours, err := names(cache)
	if err != nil {
		return prop, "", err
	}
	return prop, fmt.Sprintf("the unit finds %s in DIR/cache and writes scratch.txt there; "+
		"DIR/cache still holds: %s", out, ours), nil
}

// writeNote creates dir with one file in it.
func writeNote(dir, name, text string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), []byte(text+"\n"), 0o644)
}

// names lists the files in dir, separated by spaces.
func names(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var list []string
	for _, e := range entries {
		list = append(list, e.Name())
	}
	return strings.Join(list, " "), nil
}
