package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// machine describes where and with what the benchmarks ran.
type machine struct {
	Date, CPU, Kernel, Systemd, Go, DBus, Libraries, Gostemd, Settings string
	Cores                                                              int
}

func describeMachine(dir string) (*machine, error) {
	m := &machine{
		Date:  time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Cores: runtime.NumCPU(),
		Go:    runtime.Version(),
	}
	var err error
	if m.CPU, err = cpuModel(); err != nil {
		return nil, err
	}

	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil, err
	}
	m.Kernel = unix.ByteSliceToString(uts.Release[:]) + " " + unix.ByteSliceToString(uts.Machine[:])

	m.DBus = firstLine(output(dir, "dbus-daemon", "--version"))
	m.Libraries = strings.Join(strings.Fields(output(dir, "go", "list", "-m",
		"github.com/coreos/go-systemd/v22", "github.com/godbus/dbus/v5")), " ")
	m.Gostemd = firstLine(output(dir, "git", "log", "-1", "--format=%h %s"))
	if output(dir, "git", "status", "--porcelain", "--untracked-files=no", "..") != "" {
		m.Gostemd += " (working tree with uncommitted changes)"
	}
	return m, nil
}

func cpuModel() (string, error) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value), nil
		}
	}
	return "", fmt.Errorf("no model name in /proc/cpuinfo")
}

func output(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
