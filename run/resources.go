package run

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Infinity, as a byte count, task count or resource limit, means no
// limit.
const Infinity = math.MaxUint64

// count formats a limit, with Infinity as "infinity".
func count(n uint64) string {
	if n == Infinity {
		return "infinity"
	}
	return strconv.FormatUint(n, 10)
}

// MemoryMax limits the unit's memory to bytes (MemoryMax=); past it, the
// kernel's OOM killer acts within the unit. Infinity lifts the limit.
func MemoryMax(bytes uint64) Property {
	return parse("MemoryMax", count(bytes))
}

// MemoryHigh throttles the unit's memory use above bytes (MemoryHigh=).
// Infinity lifts the limit.
func MemoryHigh(bytes uint64) Property {
	return parse("MemoryHigh", count(bytes))
}

// MemorySwapMax limits the unit's swap use to bytes (MemorySwapMax=).
// Infinity lifts the limit.
func MemorySwapMax(bytes uint64) Property {
	return parse("MemorySwapMax", count(bytes))
}

// TasksMax limits the number of processes and threads in the unit
// (TasksMax=). Infinity lifts the limit.
func TasksMax(n uint64) Property {
	return parse("TasksMax", count(n))
}

// CPUQuota limits the unit's CPU time to a fraction of one CPU (CPUQuota=):
// 0.2 is 20% of one CPU, 2 is two whole CPUs. The fraction is rounded to
// 0.0001 (0.01%), and must be positive.
func CPUQuota(fraction float64) Property {
	permyriad := math.Round(fraction * 10000)
	if math.IsNaN(permyriad) || math.IsInf(permyriad, 0) || permyriad > math.MaxInt32 {
		return parse("CPUQuota", strconv.FormatFloat(fraction*100, 'g', -1, 64)+"%")
	}

	p := int64(permyriad)
	if p < 0 {
		return parse("CPUQuota", "-"+percent(-p))
	}
	return parse("CPUQuota", percent(p))
}

// percent formats a value in units of 0.01% as systemd reads it.
func percent(permyriad int64) string {
	s := strconv.FormatInt(permyriad/100, 10)
	if frac := permyriad % 100; frac != 0 {
		s += "." + strconv.FormatInt(frac/10, 10) + strconv.FormatInt(frac%10, 10)
	}
	return s + "%"
}

// CPUWeight sets the unit's share of CPU time against its siblings
// (CPUWeight=), 1 to 10000; the default is 100.
func CPUWeight(weight uint64) Property {
	return parse("CPUWeight", strconv.FormatUint(weight, 10))
}

// IOWeight sets the unit's share of block I/O against its siblings
// (IOWeight=), 1 to 10000; the default is 100.
func IOWeight(weight uint64) Property {
	return parse("IOWeight", strconv.FormatUint(weight, 10))
}

// AllowedCPUs restricts the unit to the given CPUs (AllowedCPUs=). No CPUs
// lifts the restriction. It needs the cpuset controller of cgroup v2.
func AllowedCPUs(cpus ...int) Property {
	list := make([]string, len(cpus))
	for i, c := range cpus {
		list[i] = strconv.Itoa(c)
	}
	return parse("AllowedCPUs", strings.Join(list, " "))
}

// CPUAccounting turns on accounting of CPU time (CPUAccounting=).
func CPUAccounting(on bool) Property { return parseBool("CPUAccounting", on) }

// MemoryAccounting turns on accounting of memory (MemoryAccounting=).
func MemoryAccounting(on bool) Property { return parseBool("MemoryAccounting", on) }

// IOAccounting turns on accounting of block I/O (IOAccounting=).
func IOAccounting(on bool) Property { return parseBool("IOAccounting", on) }

// TasksAccounting turns on counting of tasks (TasksAccounting=).
func TasksAccounting(on bool) Property { return parseBool("TasksAccounting", on) }

// IPAccounting turns on counting of IP traffic (IPAccounting=).
func IPAccounting(on bool) Property { return parseBool("IPAccounting", on) }

func parseBool(name string, on bool) Property {
	return parse(name, strconv.FormatBool(on))
}

// IPAddressAllow lets the unit's sockets exchange packets with the given
// prefixes, even those IPAddressDeny denies (IPAddressAllow=). Several
// IPAddressAllow properties add up; none at all clears the list. It needs
// the bpf system call filter to be allowed.
func IPAddressAllow(prefixes ...netip.Prefix) Property {
	return parse("IPAddressAllow", prefixList(prefixes))
}

// IPAddressDeny stops the unit's sockets from exchanging packets with the
// given prefixes, unless IPAddressAllow allows them (IPAddressDeny=).
// ParseProperty("IPAddressDeny=any") denies everything. Several
// IPAddressDeny properties add up; none at all clears the list.
func IPAddressDeny(prefixes ...netip.Prefix) Property {
	return parse("IPAddressDeny", prefixList(prefixes))
}

func prefixList(prefixes []netip.Prefix) string {
	list := make([]string, len(prefixes))
	for i, p := range prefixes {
		list[i] = p.String()
	}
	return strings.Join(list, " ")
}
