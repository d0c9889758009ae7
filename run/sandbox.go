package run

import (
	"cmp"
	"strings"

	"github.com/gostemd/gostemd/internal/property"
)

// User runs the unit's processes as a user, by name or number (User=).
func User(name string) Property { return parse("User", name) }

// Group runs the unit's processes with a primary group, by name or number
// (Group=).
func Group(name string) Property { return parse("Group", name) }

// DynamicUser runs the unit as a user allocated for it while it runs
// (DynamicUser=).
func DynamicUser(on bool) Property { return parseBool("DynamicUser", on) }

// SystemProtection is how much of the file system ProtectSystem makes
// read-only.
type SystemProtection string

// Values of ProtectSystem=.
const (
	ProtectSystemNo     SystemProtection = "no"     // nothing
	ProtectSystemYes    SystemProtection = "yes"    // /usr and the boot loader
	ProtectSystemFull   SystemProtection = "full"   // and /etc
	ProtectSystemStrict SystemProtection = "strict" // everything but /dev, /proc, /sys
)

// ProtectSystem makes parts of the file system read-only for the unit
// (ProtectSystem=).
func ProtectSystem(level SystemProtection) Property {
	return parse("ProtectSystem", string(level))
}

// HomeProtection is what ProtectHome does to /home, /root and /run/user.
type HomeProtection string

// Values of ProtectHome=.
const (
	ProtectHomeNo       HomeProtection = "no"        // nothing
	ProtectHomeYes      HomeProtection = "yes"       // make them inaccessible and empty
	ProtectHomeReadOnly HomeProtection = "read-only" // make them read-only
	ProtectHomeTmpfs    HomeProtection = "tmpfs"     // hide them under empty tmpfs mounts
)

// ProtectHome hides or protects the users' home directories
// (ProtectHome=).
func ProtectHome(level HomeProtection) Property {
	return parse("ProtectHome", string(level))
}

// PrivateTmp gives the unit its own /tmp and /var/tmp (PrivateTmp=).
func PrivateTmp(on bool) Property { return parseBool("PrivateTmp", on) }

// PrivateDevices gives the unit a /dev with only pseudo devices
// (PrivateDevices=).
func PrivateDevices(on bool) Property { return parseBool("PrivateDevices", on) }

// PrivateNetwork gives the unit a network namespace with only a loopback
// device (PrivateNetwork=).
func PrivateNetwork(on bool) Property { return parseBool("PrivateNetwork", on) }

// NoNewPrivileges stops the unit's processes from gaining privileges
// through setuid binaries or file capabilities (NoNewPrivileges=).
func NoNewPrivileges(on bool) Property { return parseBool("NoNewPrivileges", on) }

// ProtectKernelTunables makes /proc/sys, /sys and similar read-only
// (ProtectKernelTunables=).
func ProtectKernelTunables(on bool) Property { return parseBool("ProtectKernelTunables", on) }

// ProtectKernelModules forbids loading kernel modules
// (ProtectKernelModules=).
func ProtectKernelModules(on bool) Property { return parseBool("ProtectKernelModules", on) }

// ProtectKernelLogs forbids reading and writing the kernel log ring buffer
// (ProtectKernelLogs=).
func ProtectKernelLogs(on bool) Property { return parseBool("ProtectKernelLogs", on) }

// ProtectClock forbids changing the system clock (ProtectClock=).
func ProtectClock(on bool) Property { return parseBool("ProtectClock", on) }

// ProtectControlGroups makes the cgroup file system read-only
// (ProtectControlGroups=).
func ProtectControlGroups(on bool) Property { return parseBool("ProtectControlGroups", on) }

// ProtectHostname forbids changing the host name (ProtectHostname=).
func ProtectHostname(on bool) Property { return parseBool("ProtectHostname", on) }

// ReadOnlyPaths makes absolute paths read-only for the unit
// (ReadOnlyPaths=). As in unit files, a "-" in front of a path ignores it
// if it is missing. Several ReadOnlyPaths properties add up; none at all
// clears the list. The same holds for ReadWritePaths and
// InaccessiblePaths.
func ReadOnlyPaths(paths ...string) Property { return pathList("ReadOnlyPaths", paths) }

// ReadWritePaths makes absolute paths writable again under a read-only
// tree, such as one of ProtectSystem (ReadWritePaths=).
func ReadWritePaths(paths ...string) Property { return pathList("ReadWritePaths", paths) }

// InaccessiblePaths makes absolute paths inaccessible to the unit
// (InaccessiblePaths=).
func InaccessiblePaths(paths ...string) Property { return pathList("InaccessiblePaths", paths) }

func pathList(name string, paths []string) Property {
	return parse(name, property.QuoteAll(paths, ""))
}

// A TmpFS is a tmpfs mounted for the unit, with mount options such as
// "size=10M,mode=0755" (none for the defaults).
type TmpFS struct {
	Path    string
	Options string
}

// TemporaryFileSystem mounts empty tmpfs file systems over paths for the
// unit (TemporaryFileSystem=).
func TemporaryFileSystem(mounts ...TmpFS) Property {
	words := make([]string, len(mounts))
	for i, m := range mounts {
		words[i] = m.Path
		if m.Options != "" {
			words[i] += ":" + m.Options
		}
	}
	return parse("TemporaryFileSystem", property.QuoteAll(words, ""))
}

// A Bind is a bind mount into the unit's mount namespace.
type Bind struct {
	Source      string // an absolute path
	Destination string // an absolute path; empty means Source

	// IgnoreMissing ignores a missing Source instead of failing the unit.
	IgnoreMissing bool

	// NonRecursive binds Source alone, without the mounts below it.
	NonRecursive bool
}

// BindPaths bind-mounts paths for the unit, writable (BindPaths=).
func BindPaths(binds ...Bind) Property { return bindList("BindPaths", binds) }

// BindReadOnlyPaths bind-mounts paths for the unit, read-only
// (BindReadOnlyPaths=).
func BindReadOnlyPaths(binds ...Bind) Property { return bindList("BindReadOnlyPaths", binds) }

func bindList(name string, binds []Bind) Property {
	words := make([]string, len(binds))
	for i, b := range binds {
		source := b.Source
		if b.IgnoreMissing {
			source = "-" + source
		}
		w := property.Quote(source, ":")
		if b.Destination != "" || b.NonRecursive {
			w += ":" + property.Quote(cmp.Or(b.Destination, b.Source), ":")
		}
		if b.NonRecursive {
			w += ":norbind"
		}
		words[i] = w
	}
	return parse(name, strings.Join(words, " "))
}

// CapabilityBoundingSet limits the capabilities the unit's processes may
// ever have to those named, such as "CAP_NET_ADMIN"
// (CapabilityBoundingSet=). Names are case-insensitive; numbers work too.
//
// Over D-Bus the last CapabilityBoundingSet property wins; they do not add
// up as in unit files.
func CapabilityBoundingSet(caps ...string) Property {
	return parse("CapabilityBoundingSet", property.QuoteAll(caps, ""))
}

// CapabilityBoundingSetExcept limits the capabilities the unit's processes
// may ever have to all but those named (CapabilityBoundingSet=~...).
func CapabilityBoundingSetExcept(caps ...string) Property {
	return parse("CapabilityBoundingSet", "~"+property.QuoteAll(caps, ""))
}

// AmbientCapabilities gives the unit's processes capabilities even when
// they run as an unprivileged user (AmbientCapabilities=).
func AmbientCapabilities(caps ...string) Property {
	return parse("AmbientCapabilities", property.QuoteAll(caps, ""))
}

// SystemCallFilter allows the unit's processes only the named system calls
// and groups such as "@system-service" (SystemCallFilter=); others kill
// the process. Several filters add up; none at all clears the filter.
func SystemCallFilter(names ...string) Property {
	return parse("SystemCallFilter", property.QuoteAll(names, ""))
}

// SystemCallDeny forbids the named system calls and groups such as "@mount"
// (SystemCallFilter=~...). A name may carry the errno the call fails with
// instead of killing the process, as in "ptrace:EPERM".
func SystemCallDeny(names ...string) Property {
	return parse("SystemCallFilter", "~"+property.QuoteAll(names, ""))
}

// RestrictAddressFamilies allows the unit's processes sockets only of the
// named families, such as "AF_UNIX" and "AF_INET" (RestrictAddressFamilies=).
func RestrictAddressFamilies(families ...string) Property {
	return parse("RestrictAddressFamilies", property.QuoteAll(families, ""))
}

// RestrictAddressFamiliesExcept forbids sockets of the named families
// (RestrictAddressFamilies=~...).
func RestrictAddressFamiliesExcept(families ...string) Property {
	return parse("RestrictAddressFamilies", "~"+property.QuoteAll(families, ""))
}
