package activation

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Environment variables systemd sets for a service it passes descriptors to.
const (
	envPID     = "LISTEN_PID"
	envFDs     = "LISTEN_FDS"
	envNames   = "LISTEN_FDNAMES"
	envPIDFDID = "LISTEN_PIDFDID"
)

// firstFD is where the passed descriptors start (SD_LISTEN_FDS_START): right
// after standard input, output and error.
const firstFD = 3

// unknownName is the name of every descriptor when systemd passes no
// LISTEN_FDNAMES, as sd_listen_fds_with_names(3) reports it.
const unknownName = "unknown"

// passed describes the descriptors the environment announces.
type passed struct {
	count int
	names []string
}

// parseEnv reads the LISTEN_* variables through lookup, for a process whose
// ID is pid, following sd_listen_fds(3). No LISTEN_PID, or one naming another
// process, means nothing was passed to this process; that is not an error.
func parseEnv(lookup func(string) (string, bool), pid int) (passed, error) {
	pidText, ok := lookup(envPID)
	if !ok {
		return passed{}, nil
	}

	listenPID, err := strconv.Atoi(pidText)
	if err != nil || listenPID <= 0 {
		return passed{}, fmt.Errorf("%s=%q: not a process ID", envPID, pidText)
	}
	if listenPID != pid {
		// Inherited from a parent that was activated, as happens when a
		// service starts children without unsetting the variables.
		return passed{}, nil
	}

	count, ok, err := parseCount(lookup)
	if err != nil || !ok {
		return passed{}, err
	}

	names, err := parseNames(lookup, count)
	if err != nil {
		return passed{}, err
	}
	return passed{count: count, names: names}, nil
}

func parseCount(lookup func(string) (string, bool)) (int, bool, error) {
	text, ok := lookup(envFDs)
	if !ok {
		return 0, false, nil
	}

	count, err := strconv.Atoi(text)
	if err != nil || count <= 0 || count > math.MaxInt32-firstFD {
		// systemd never sets LISTEN_FDS=0: it leaves the variables out.
		return 0, false, fmt.Errorf("%s=%q: not a positive count", envFDs, text)
	}
	return count, true, nil
}

// parseNames splits LISTEN_FDNAMES. Empty names are kept, as systemd keeps
// them: the position of each name is what ties it to its descriptor.
func parseNames(lookup func(string) (string, bool), count int) ([]string, error) {
	text, ok := lookup(envNames)
	if !ok {
		names := make([]string, count)
		for i := range names {
			names[i] = unknownName
		}
		return names, nil
	}

	names := strings.Split(text, ":")
	if len(names) != count {
		return nil, fmt.Errorf("%s has %d names for %s=%d descriptors",
			envNames, len(names), envFDs, count)
	}
	return names, nil
}

// unsetEnv removes the variables, so that child processes do not see them.
func unsetEnv() {
	for _, name := range []string{envPID, envFDs, envNames, envPIDFDID} {
		// Unsetenv fails only for names containing '=' or NUL.
		_ = os.Unsetenv(name)
	}
}

// adopt marks the announced descriptors close-on-exec, so that they do not
// leak into programs this process runs, and wraps them in files named by
// their LISTEN_FDNAMES entry.
func adopt(p passed) ([]*os.File, error) {
	for i := range p.count {
		if err := setCloseOnExec(firstFD + i); err != nil {
			return nil, fmt.Errorf("fd %d (of %s=%d): %w", firstFD+i, envFDs, p.count, err)
		}
	}

	files := make([]*os.File, p.count)
	for i := range files {
		files[i] = os.NewFile(uintptr(firstFD+i), p.names[i])
	}
	return files, nil
}

// setCloseOnExec sets the descriptor's flags to FD_CLOEXEC, Linux's only
// descriptor flag, in one system call.
func setCloseOnExec(fd int) error {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	return nil
}
