package watch

import (
	"testing"
	"time"
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
