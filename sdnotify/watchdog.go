package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ErrNoWatchdog is returned by RunWatchdog when systemd expects no watchdog
// pings from this process.
var ErrNoWatchdog = errors.New("notify: watchdog is not enabled for this process (no WatchdogSec=)")

// parseWatchdog reads WATCHDOG_USEC and WATCHDOG_PID as sd_watchdog_enabled(3)
// does. It returns 0 when the watchdog is off or meant for another process.
func parseWatchdog(lookup func(string) (string, bool), pid int) (time.Duration, error) {
	usecText, ok := lookup(envWatchdogSec)
	if !ok {
		return 0, nil
	}

	usec, err := strconv.ParseUint(usecText, 10, 64)
	if err != nil || usec == 0 || usec == math.MaxUint64 {
		return 0, fmt.Errorf("read watchdog: %s=%q: not a positive number of microseconds",
			envWatchdogSec, usecText)
	}
	if usec > uint64(math.MaxInt64/int64(time.Microsecond)) {
		return 0, fmt.Errorf("read watchdog: %s=%q: too long", envWatchdogSec, usecText)
	}

	forUs, err := watchdogForUs(lookup, pid)
	if err != nil || !forUs {
		return 0, err
	}
	return time.Duration(usec) * time.Microsecond, nil
}

// watchdogForUs checks WATCHDOG_PID, which systemd sets so that a child that
// inherited the environment does not take the service's watchdog for its own.
func watchdogForUs(lookup func(string) (string, bool), pid int) (bool, error) {
	pidText, ok := lookup(envWatchdogPID)
	if !ok {
		return true, nil
	}

	wpid, err := strconv.Atoi(pidText)
	if err != nil || wpid <= 0 {
		return false, fmt.Errorf("read watchdog: %s=%q: not a process ID", envWatchdogPID, pidText)
	}
	return wpid == pid, nil
}

// WatchdogTimeout returns the time within which systemd expects a watchdog
// ping (WATCHDOG=1) from this process, as set by WatchdogSec=. It returns 0
// when systemd expects none, and an error when the environment FromEnv read
// was malformed. A Notifier made by New never has a watchdog.
func (n *Notifier) WatchdogTimeout() (time.Duration, error) {
	return n.watchdog, n.watchdogErr
}

// RunWatchdog pings systemd's watchdog at half the WatchdogTimeout until ctx
// ends, and then returns ctx's error. The first ping goes out at once. It
// returns ErrNoWatchdog when no watchdog is enabled, and stops at the first
// ping that cannot be sent.
//
// Run it only while the service is healthy: a watchdog pinged from a goroutine
// of its own proves that the process runs, not that it works. A service that
// can tell it is stuck should stop the pings, or send WatchdogTrigger.
func (n *Notifier) RunWatchdog(ctx context.Context) error {
	timeout, err := n.WatchdogTimeout()
	if err != nil {
		return err
	}
	if timeout == 0 {
		return ErrNoWatchdog
	}

	tick := time.NewTicker(timeout / 2)
	defer tick.Stop()

	for {
		if err := n.Notify(ctx, WatchdogPing()); err != nil {
			return err
		}

		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
