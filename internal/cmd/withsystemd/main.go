// Command withsystemd runs a program against a real systemd: the host's own
// when systemd is the host's init, otherwise a throwaway one that it boots in
// systemd-nspawn for the program's lifetime and removes afterwards. The
// program runs inside the container, where PIDs and paths match what it sees.
//
// Usage (as root, with systemd-nspawn installed for the throwaway case):
//
//	withsystemd PROGRAM [ARG...]
//
// GOSTEMD_SYSTEMD=nspawn forces a container even on a systemd host;
// GOSTEMD_TESTBED_ROOT boots another root tree (see internal/testbed).
// The project's Makefile uses it for `make demo`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gostemd/gostemd/internal/testbed"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: withsystemd PROGRAM [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1:]))
}

func run(argv []string) int {
	prog, err := exec.LookPath(argv[0])
	if err == nil {
		prog, err = filepath.Abs(prog)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "withsystemd: %v\n", err)
		return 127
	}
	argv[0] = prog

	if hostHasSystemd() && os.Getenv(testbed.EnvMode) != "nspawn" {
		return runHere(argv)
	}
	return runInContainer(argv)
}

// hostHasSystemd reports whether systemd is this machine's init, the test
// sd_booted(3) makes.
func hostHasSystemd() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

func runHere(argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "withsystemd: %v\n", err)
		return 1
	}
	return 0
}

func runInContainer(argv []string) int {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "withsystemd: %v\n", err)
		return 1
	}

	binds := []string{dir}
	if progDir := filepath.Dir(argv[0]); needsBind(progDir, dir) {
		prog, remove, err := testbed.StageProgram(argv[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "withsystemd: %v\n", err)
			return 1
		}
		defer remove()
		argv = append([]string{prog}, argv[1:]...)
		binds = append(binds, filepath.Dir(prog))
	}

	start := time.Now()
	c, err := testbed.Boot(context.Background(), testbed.Options{
		Root:  os.Getenv(testbed.EnvRoot),
		Binds: binds,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "withsystemd: %v\n", err)
		return 1
	}
	defer c.Stop()

	fmt.Fprintf(os.Stderr, "withsystemd: no systemd on this host; booted a throwaway one in container %s (%v)\n\n",
		c.Name, time.Since(start).Round(time.Millisecond))
	return c.Run(dir, argv...)
}

// needsBind reports whether a program's directory must be bound into the
// container: not when the working directory, bound anyway, holds it, and
// not for system directories, which must come from the booted tree (the
// host's /usr/bin over another release's would break that release).
func needsBind(progDir, workDir string) bool {
	if rel, err := filepath.Rel(workDir, progDir); err == nil && !strings.HasPrefix(rel, "..") {
		return false
	}
	for _, sys := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"} {
		if progDir == sys || strings.HasPrefix(progDir, sys+"/") {
			return false
		}
	}
	return true
}
