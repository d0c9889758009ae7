package testbed

// Environment variables understood or set by the test bed.
const (
	// EnvMode selects where tests find systemd: "nspawn" (default) or "host".
	EnvMode = "GOSTEMD_SYSTEMD"

	// EnvRoot is the root tree the container boots from (default "/").
	EnvRoot = "GOSTEMD_TESTBED_ROOT"

	// envInside is set on a test binary re-executed inside a container; its
	// value is the container's name.
	envInside = "GOSTEMD_TESTBED_INSIDE"

	// envWatchdog makes a binary that links this package act as the
	// watchdog of a container instead of doing its usual work.
	envWatchdog = "GOSTEMD_TESTBED_WATCHDOG"

	// envUnavailable carries the reason why no systemd could be booted.
	envUnavailable = "GOSTEMD_TESTBED_UNAVAILABLE"
)

const (
	modeNspawn = "nspawn"
	modeHost   = "host"
)
