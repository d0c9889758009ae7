package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on Linux).
const clockTick = 10 * time.Millisecond

// procCPU returns a process's user plus system time from /proc/<pid>/stat,
// all threads included, at the resolution of a clock tick.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}

	// The command name, in parentheses, may hold spaces; fields count from
	// after its closing parenthesis, where field 3 (state) starts.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat: utime %q stime %q", pid, fields[11], fields[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// schedCPU returns the time a process's threads have spent on a CPU, from
// the first field of each /proc/<pid>/task/<tid>/schedstat, in nanoseconds:
// the same quantity as procCPU at the scheduler's own resolution.
func schedCPU(pid int) (time.Duration, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("read schedstat of %d: %v (%d threads)", pid, err, len(files))
	}

	var sum time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has ended
		}
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return 0, fmt.Errorf("parse %s: empty", f)
		}
		ns, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", f, err)
		}
		sum += time.Duration(ns)
	}
	return sum, nil
}

// findProcess returns the PID of the first process whose comm is name.
func findProcess(name string) (int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*/comm")
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		comm, err := os.ReadFile(d)
		if err == nil && strings.TrimSpace(string(comm)) == name {
			return strconv.Atoi(filepath.Base(filepath.Dir(d)))
		}
	}
	return 0, fmt.Errorf("no process named %s", name)
}

// selfCPU returns this process's user plus system time, from getrusage, at
// microsecond resolution.
func selfCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
