package run

import (
	"maps"
	"slices"
)

// BusProperties exposes busProperties to the tests.
var BusProperties = busProperties

// ScopePropertyNames returns the names of the properties a scope takes.
func ScopePropertyNames() []string {
	return slices.Sorted(maps.Keys(scopeProperties))
}
