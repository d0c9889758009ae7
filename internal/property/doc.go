// Package property converts unit property assignments in systemd-run's
// -p syntax (MemoryMax=10M, CPUQuota=20%, BindPaths=-/a:/b) to the D-Bus
// properties systemd's StartTransientUnit takes, with the names and wire
// types systemd 252's systemd-run sends for them. It is the one place that
// knows those names and types; the run package builds on it.
//
// Parse follows systemd's own parsers for sizes, time spans, percentages,
// CPU sets, signals, resource limits, capability and address family names,
// and its word splitting with quotes and C escapes. Where systemd-run
// passes a value on unchecked and leaves systemd to refuse it, Parse checks
// it first, so that the error names the property; where systemd quietly
// ignores a value (an unknown capability or system call group), Parse
// refuses it.
//
// Each assignment becomes its own properties; systemd applies them in
// order, so list properties such as Environment= accumulate and an empty
// assignment clears the list, as in unit files.
package property
