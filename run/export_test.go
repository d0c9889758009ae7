package run

// BusProperties exposes busProperties to the tests.
var BusProperties = busProperties
