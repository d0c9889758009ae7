// Package cgroup2test holds integration tests of what systemd offers only on
// a pure cgroup2 system: freezing units, CPU accounting, and MemoryPeak on
// newer systemd. Its test binary boots the test bed's container on the
// unified hierarchy, where these work even on hybrid hosts (at the price of
// unenforced limits, which other packages test). It has no code of its own.
package cgroup2test
