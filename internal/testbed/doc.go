// Package testbed gives gostemd's tests a real systemd to talk to.
//
// On development and CI machines systemd is not PID 1, so Main boots a
// throwaway systemd in a systemd-nspawn container on a volatile root, makes
// its cgroup limits real, and runs the package's test binary inside it, where
// PIDs, paths and buses match what the tests see. A watchdog process removes
// the container, its cgroups and its state if the test run dies.
//
// # Modes
//
// GOSTEMD_SYSTEMD chooses where the tests find systemd:
//
//   - "nspawn" (the default): boot a throwaway container for each test binary.
//     Needs root and systemd-nspawn (Debian package systemd-container).
//   - "host": use the systemd this process can already reach (a machine
//     where systemd is PID 1). Tests then create and remove units on it.
//
// GOSTEMD_TESTBED_ROOT names the directory tree the container boots from
// (default "/", the host's own /usr on a volatile root); a debootstrapped
// tree runs the same tests against another systemd version.
//
// # Skipping
//
// Require is the one place that decides whether real systemd is available.
// It skips with the exact reason, except when the CI environment variable is
// set, where it fails: a broken test bed can never pass silently.
package testbed
