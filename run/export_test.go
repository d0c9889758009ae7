package run

import (
	"maps"
	"slices"
	"sync"
)

// BusProperties exposes busProperties to the tests.
var BusProperties = busProperties

// ScopePropertyNames returns the names of the properties a scope takes.
func ScopePropertyNames() []string {
	return slices.Sorted(maps.Keys(scopeProperties))
}

// RecordResultSources makes the package record, until the test ends,
// whether each result it makes is taken from systemd's signals (true) or
// read whole (false). Tests using it must not run in parallel.
func RecordResultSources(t interface{ Cleanup(func()) }) func() []bool {
	var sources []bool
	var mu sync.Mutex
	testHookResult = func(fromSignals bool) {
		mu.Lock()
		defer mu.Unlock()
		sources = append(sources, fromSignals)
	}
	t.Cleanup(func() { testHookResult = nil })
	return func() []bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sources)
	}
}
