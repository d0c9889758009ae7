package run

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// scopeProperties are the properties, by the names ParseProperty takes,
// that systemd applies to a scope: the cgroup's limits and accounting,
// how the scope's processes are killed, its runtime limit, and the unit's
// own description, slice and collection. Everything else (sandboxing, the
// environment, the user, resource limits of rlimit kind) is set up by
// systemd only for processes it forks itself, and a scope has none.
var scopeProperties = map[string]bool{
	"Description": true, "Slice": true, "CollectMode": true,

	"MemoryMin": true, "MemoryLow": true, "MemoryHigh": true, "MemoryMax": true,
	"MemorySwapMax": true, "TasksMax": true,
	"CPUQuota": true, "CPUWeight": true, "StartupCPUWeight": true,
	"IOWeight": true, "StartupIOWeight": true,
	"AllowedCPUs": true, "StartupAllowedCPUs": true,
	"AllowedMemoryNodes": true, "StartupAllowedMemoryNodes": true,
	"IPAddressAllow": true, "IPAddressDeny": true,
	"CPUAccounting": true, "MemoryAccounting": true, "IOAccounting": true,
	"BlockIOAccounting": true, "TasksAccounting": true, "IPAccounting": true,

	"KillMode": true, "KillSignal": true, "RestartKillSignal": true,
	"FinalKillSignal": true, "WatchdogSignal": true,
	"SendSIGKILL": true, "SendSIGHUP": true,

	"RuntimeMaxSec": true, "RuntimeRandomizedExtraSec": true, "TimeoutStopSec": true,
}

// scopeBusProperties returns the D-Bus form of props for a scope, or the
// error of the first one that is invalid or does not apply to a scope.
func scopeBusProperties(props ...Property) ([]bus.Property, error) {
	for _, p := range props {
		if p.err != nil {
			return nil, p.err
		}
		if p.name != "" && !scopeProperties[p.name] {
			return nil, notForScope(p)
		}
	}
	return busProperties(props...)
}

func notForScope(p Property) *PropertyError {
	reason := "not for a scope: systemd applies " + p.name +
		"= only to processes it starts itself"
	if p.name == "User" || p.name == "Group" {
		reason += " (Cmd.User and Cmd.Group run a scope's program as another user)"
	}
	return &PropertyError{Name: p.name, Value: p.value, Reason: reason,
		text: p.String(), err: ErrNotForScope}
}

// scopeName returns name, completed with ".scope", or a random name.
func scopeName(name string) (string, error) {
	if name == "" {
		return randomName(".scope"), nil
	}
	if !strings.Contains(name, ".") {
		name += ".scope"
	}
	if err := unit.ValidateName(name); err != nil {
		return "", err
	}
	if !strings.HasSuffix(name, ".scope") {
		return "", fmt.Errorf("unit name %q: not a scope", name)
	}
	return name, nil
}

// randomName draws a unit name such as "run-gostemd-5e2f4b0c19d8a7e3.scope".
func randomName(suffix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run-gostemd-" + hex.EncodeToString(b[:]) + suffix
}

// pidsProperty makes the PIDs property of a scope, refusing numbers that
// cannot be processes.
func pidsProperty(pids []int) (bus.Property, error) {
	if len(pids) == 0 {
		return bus.Property{}, errors.New("no processes to place in the scope")
	}

	list := make([]uint32, len(pids))
	for i, pid := range pids {
		if pid <= 0 || pid > 1<<22 {
			return bus.Property{}, fmt.Errorf("invalid process ID %d", pid)
		}
		list[i] = uint32(pid)
	}
	return bus.Property{Name: "PIDs", Value: dbus.MakeVariant(list)}, nil
}
