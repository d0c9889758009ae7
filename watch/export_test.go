package watch

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// DelayLoads makes Watchers wait d before they read a unit systemd
// announced, for the rest of the test. Call it before opening them.
func DelayLoads(tb testing.TB, d time.Duration) {
	testHookLoad = func() { time.Sleep(d) }
	tb.Cleanup(func() { testHookLoad = func() {} })
}

// SlowGets makes Watchers wait d before each Get of a unit read, for the
// rest of the test, so that signals come between the replies. Call it
// before opening them.
func SlowGets(tb testing.TB, d time.Duration) {
	testHookGet = func() { time.Sleep(d) }
	tb.Cleanup(func() { testHookGet = func() {} })
}

// DropSignals makes Watchers ignore the signals drop picks, for the rest
// of the test, as if they were lost on the way. Call it before opening
// them; drop runs on the Watchers' goroutines.
func DropSignals(tb testing.TB, drop func(*dbus.Signal) bool) {
	testHookDrop = drop
	tb.Cleanup(func() { testHookDrop = func(*dbus.Signal) bool { return false } })
}

// CountGets counts the Gets of unit reads from now on, for the rest of the
// test. Call it before opening Watchers.
func CountGets(tb testing.TB) *atomic.Int64 {
	var n atomic.Int64
	testHookGet = func() { n.Add(1) }
	tb.Cleanup(func() { testHookGet = func() {} })
	return &n
}
