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
