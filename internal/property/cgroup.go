package property

import (
	"math"
	"net/netip"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
)

func init() {
	register(parseMemory, "MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax",
		"MemorySwapMax", "TasksMax")
	register(parseCPUQuota, "CPUQuota")
	register(parseWeight(true), "CPUWeight", "StartupCPUWeight")
	register(parseWeight(false), "IOWeight", "StartupIOWeight")
	register(parseCPUSetProperty, "AllowedCPUs", "StartupAllowedCPUs",
		"AllowedMemoryNodes", "StartupAllowedMemoryNodes")
	register(parseIPAccess, "IPAddressAllow", "IPAddressDeny")
}

// Cgroup weights.
const (
	weightIdle    = 0
	weightMin     = 1
	weightMax     = 10000
	weightInvalid = math.MaxUint64 // "unset": the default applies
)

// parseMemory reads a memory limit (bytes with base-1024 suffixes) or, for
// TasksMax, a count. "infinity" and empty lift the limit (empty means 0 for
// MemoryMin and MemoryLow), and "N%" is sent as <Name>Scale, a fraction of
// 2^32-1 that systemd applies to the machine's memory or task limit.
func parseMemory(name, value string) ([]bus.Property, error) {
	switch {
	case value == "infinity":
		return one(name, uint64(infinity)), nil
	case value == "" && (name == "MemoryMin" || name == "MemoryLow"):
		return one(name, uint64(0)), nil
	case value == "":
		return one(name, uint64(infinity)), nil
	}

	if p, err := parsePermyriad(value, true); err == nil {
		return one(name+"Scale", scaleFromPermyriad(p)), nil
	}

	if name == "TasksMax" {
		n, err := parseUint(value, math.MaxUint64)
		if err != nil {
			return nil, invalid("task count", value)
		}
		return one(name, n), nil
	}

	n, err := parseSize(value)
	if err != nil {
		return nil, invalid("size", value)
	}
	return one(name, n), nil
}

// scaleFromPermyriad maps 0..10000 to 0..2^32-1, rounding as systemd does.
func scaleFromPermyriad(p int) uint32 {
	return uint32((uint64(p)*math.MaxUint32 + 5000) / 10000)
}

// parsePermyriad reads a percentage with up to two decimals ("12.34%"),
// a per-mille value with one ("12.3‰") or a per-myriad one ("1234‱"), and
// returns it in units of 0.01%. bounded refuses more than 100%.
func parsePermyriad(s string, bounded bool) (int, error) {
	var v int
	var err error
	switch {
	case strings.HasSuffix(s, "‱"):
		v, err = parseDecimal(strings.TrimSuffix(s, "‱"), 0)
	case strings.HasSuffix(s, "‰"):
		v, err = parseDecimal(strings.TrimSuffix(s, "‰"), 1)
	case strings.HasSuffix(s, "%"):
		v, err = parseDecimal(strings.TrimSuffix(s, "%"), 2)
	default:
		return 0, errFormat
	}

	if err == nil && bounded && v > 10000 {
		return 0, errRange
	}
	return v, err
}

// parseDecimal reads a non-negative number with at most places decimals
// (exactly one when places is 1) and returns it times 10^places.
func parseDecimal(s string, places int) (int, error) {
	whole, frac, dotted := strings.Cut(s, ".")
	scale := 1
	for range places {
		scale *= 10
	}

	f := 0
	if dotted {
		if places == 0 || len(frac) == 0 || len(frac) > places || !allDigits(frac) {
			return 0, errFormat
		}
		for i := range places {
			f *= 10
			if i < len(frac) {
				f += int(frac[i] - '0')
			}
		}
	}

	n, err := parseInt(whole, 0, math.MaxInt32)
	if err != nil {
		return 0, err
	}
	if n > int64((math.MaxInt32-f)/scale) {
		return 0, errRange
	}
	return int(n)*scale + f, nil
}

func allDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// parseCPUQuota reads a percentage of one CPU ("20%", "250%") and sends it
// as CPUQuotaPerSecUSec, CPU time per second in microseconds. Empty lifts
// the quota.
func parseCPUQuota(_, value string) ([]bus.Property, error) {
	const name = "CPUQuotaPerSecUSec"
	if value == "" {
		return one(name, uint64(infinity)), nil
	}

	p, err := parsePermyriad(value, false)
	if err != nil {
		return nil, invalidHint("CPU quota", "want a percentage such as 20%", value)
	}
	if p == 0 {
		return nil, invalidHint("CPU quota", "too small", value)
	}
	return one(name, uint64(p)*second/10000), nil
}

// parseWeight reads a cgroup weight, 1 to 10000; "idle" (for CPU weights)
// is 0 and empty means the default.
func parseWeight(idle bool) parser {
	return func(name, value string) ([]bus.Property, error) {
		switch {
		case value == "":
			return one(name, uint64(weightInvalid)), nil
		case idle && value == "idle":
			return one(name, uint64(weightIdle)), nil
		}

		w, err := parseUint(value, math.MaxUint64)
		if err != nil || w < weightMin || w > weightMax {
			return nil, invalidHint("weight", "want 1 to 10000", value)
		}
		return one(name, w), nil
	}
}

func parseCPUSetProperty(name, value string) ([]bus.Property, error) {
	mask, err := parseCPUSet(value)
	if err != nil {
		return nil, err
	}
	return one(name, mask), nil
}

// maxCPU bounds CPU numbers as systemd does.
const maxCPU = 8192

// parseCPUSet reads CPU numbers and ranges ("0-3 6,8") into the bit mask
// systemd sends, in whole 64-bit words. A reversed range such as "3-1"
// adds nothing but still makes the mask one word long.
func parseCPUSet(s string) ([]byte, error) {
	list, err := splitWords(s, whitespace+",", unquote)
	if err != nil {
		return nil, invalidIn("CPU set", s, err)
	}

	mask := []byte{}
	for _, word := range list {
		lo, hi, err := parseRange(word)
		if err != nil {
			return nil, invalid("CPU range", word)
		}
		if lo > hi {
			mask = growMask(mask, 1)
			continue
		}
		if hi >= maxCPU {
			return nil, invalidHint("CPU number", "want less than 8192", word)
		}
		mask = growMask(mask, int(hi)+1)
		for cpu := lo; cpu <= hi; cpu++ {
			mask[cpu/8] |= 1 << (cpu % 8)
		}
	}
	return mask, nil
}

// growMask makes mask long enough for n CPUs, in 8-byte words.
func growMask(mask []byte, n int) []byte {
	need := (n + 63) / 64 * 8
	for len(mask) < need {
		mask = append(mask, 0)
	}
	return mask
}

// parseRange reads "n" or "lo-hi".
func parseRange(s string) (lo, hi uint64, err error) {
	first, rest, dashed := strings.Cut(s, "-")
	if lo, err = parseUint(first, math.MaxUint32); err != nil {
		return 0, 0, err
	}
	if !dashed {
		return lo, lo, nil
	}
	if rest == "" {
		return 0, 0, errFormat
	}
	if hi, err = parseUint(rest, math.MaxUint32); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// ipKeywords are the words that stand for a pair of prefixes.
var ipKeywords = map[string][]netip.Prefix{
	"any": {netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
	"link-local": {netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/64")},
	"multicast": {netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("ff00::/8")},
}

var localhost = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128")}

// parseIPAccess reads IPAddressAllow= and IPAddressDeny=: prefixes
// separated by blanks, or one of the words any, localhost, link-local and
// multicast on its own. Empty clears the list.
func parseIPAccess(name, value string) ([]bus.Property, error) {
	prefixes, ok := ipKeywords[value]
	if isLocalhost(value) {
		prefixes, ok = localhost, true
	}
	if !ok {
		list, err := splitWords(value, "", 0)
		if err != nil {
			return nil, invalidIn("IP address list", value, err)
		}
		for _, word := range list {
			p, err := parsePrefix(word)
			if err != nil {
				return nil, invalid("IP address prefix", word)
			}
			prefixes = append(prefixes, p)
		}
	}
	return one(name, ipPrefixes(prefixes)), nil
}

// ipPrefixes converts prefixes to their wire form, as they are: the
// address is not masked.
func ipPrefixes(prefixes []netip.Prefix) []IPPrefix {
	out := []IPPrefix{}
	for _, p := range prefixes {
		family := int32(afInet6)
		if p.Addr().Is4() {
			family = afInet
		}
		out = append(out, IPPrefix{Family: family, Addr: p.Addr().AsSlice(), Bits: uint32(p.Bits())})
	}
	return out
}

// parsePrefix reads "address" or "address/bits"; a bare address is a
// prefix of full length.
func parsePrefix(s string) (netip.Prefix, error) {
	addr, bits, slashed := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errFormat
	}
	if !slashed {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}

	n, err := parseUint(bits, uint64(a.BitLen()))
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, int(n)), nil
}

// isLocalhost recognises the names systemd takes for the local host.
func isLocalhost(s string) bool {
	s = strings.ToLower(s)
	switch s {
	case "localhost", "localhost.", "localhost.localdomain", "localhost.localdomain.":
		return true
	}
	for _, suffix := range []string{".localhost", ".localhost.", ".localhost.localdomain",
		".localhost.localdomain."} {
		if strings.HasSuffix(s, suffix) {
			return true
		}
	}
	return false
}
