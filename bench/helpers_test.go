package bench

import "github.com/gostemd/gostemd/internal/testbed"

// helpers are the programs started in a process of their own through
// testbed.HelperCommand: clients whose CPU time and memory are measured
// alone, and benchmarks that need descriptors the Go runtime would hold.
var helpers = []testbed.Helper{
	{Name: "activation", Run: activationHelper},
	{Name: "watch-go-systemd", Run: watchGoSystemd},
	{Name: "concurrent-gostemd", Run: concurrentGostemd},
	{Name: "watch-gostemd", Run: watchGostemd},
	{Name: "watch-floor", Run: watchFloor},
}
