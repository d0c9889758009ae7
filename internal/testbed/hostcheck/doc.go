// Package hostcheck holds the test bed's own host-side tests: booting and
// stopping containers, and the watchdog removing a container whose owner was
// killed. They run on the host, not inside a container, so this package has
// no TestMain of the usual kind and nothing to import.
package hostcheck
