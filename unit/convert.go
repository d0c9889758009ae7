package unit

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// Infinity is the value systemd uses for "no limit" in byte and count
// limits such as MemoryMax or TasksMax.
const Infinity = math.MaxUint64

// Forever is the time.Duration that stands for systemd's "infinity" in
// timeouts and intervals, such as TimeoutStopSec=infinity.
const Forever = time.Duration(math.MaxInt64)

// unset is systemd's marker for a quantity it does not know, such as
// MemoryCurrent without accounting.
const unset = math.MaxUint64

// usecTime turns a realtime timestamp in microseconds into a time.Time. The
// zero time stands for systemd's 0 and UINT64_MAX: the event never happened.
func usecTime(usec uint64) time.Time {
	if usec == 0 || usec == unset {
		return time.Time{}
	}
	return time.UnixMicro(int64(usec))
}

// usecDuration turns microseconds into a time.Duration; UINT64_MAX, and
// whatever does not fit, becomes Forever.
func usecDuration(usec uint64) time.Duration {
	if usec >= uint64(math.MaxInt64/time.Microsecond) {
		return Forever
	}
	return time.Duration(usec) * time.Microsecond
}

// optional returns nil for systemd's "unknown" marker, else a pointer to v.
func optional(v uint64) *uint64 {
	if v == unset {
		return nil
	}
	return &v
}

// optionalNsec is optional for a count of nanoseconds.
func optionalNsec(v uint64) *time.Duration {
	if v == unset {
		return nil
	}
	d := time.Duration(min(v, math.MaxInt64))
	return &d
}

// InvocationID identifies one run of a unit: systemd draws a new one each
// time the unit starts. The zero value means the unit has not run.
type InvocationID [16]byte

// String returns the ID as 32 hex digits, as journalctl _SYSTEMD_INVOCATION_ID
// shows it.
func (id InvocationID) String() string { return hex.EncodeToString(id[:]) }

// IsZero tells whether id is the zero ID.
func (id InvocationID) IsZero() bool { return id == InvocationID{} }

// ParseInvocationID reads an invocation ID written as 32 hex digits, with or
// without dashes.
func ParseInvocationID(s string) (InvocationID, error) {
	var id InvocationID
	clean := make([]byte, 0, 32)
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			clean = append(clean, s[i])
		}
	}

	if len(clean) != 32 {
		return id, fmt.Errorf("parse invocation ID %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(id[:], clean); err != nil {
		return id, fmt.Errorf("parse invocation ID %q: %w", s, err)
	}
	return id, nil
}

func invocationID(b []byte) InvocationID {
	var id InvocationID
	copy(id[:], b)
	return id
}

// properties are one interface's properties as GetAll returns them.
type properties = map[string]dbus.Variant

// read reads one interface's properties with a single GetAll and decodes
// them with decode; op names the read in its error.
func read[T any](ctx context.Context, u *Unit, iface, op string,
	decode func(properties) (*T, error),
) (*T, error) {
	props, err := u.getAll(ctx, iface)
	if err != nil {
		return nil, fmt.Errorf("%s of unit %s: %w", op, u.name, err)
	}

	t, err := decode(props)
	if err != nil {
		return nil, fmt.Errorf("%s of unit %s: %w", op, u.name, err)
	}
	return t, nil
}

// getAll reads one interface's properties with a single GetAll.
func (u *Unit) getAll(ctx context.Context, iface string) (properties, error) {
	p, err := u.objectPath(ctx)
	if err != nil {
		return nil, err
	}
	return u.c.Conn.GetAll(ctx, p, iface)
}

func decodeAll(props map[string]dbus.Variant, dst ...any) ([]string, error) {
	var absent []string
	seen := make(map[string]bool)

	for _, d := range dst {
		missing, err := bus.Decode(props, d)
		if err != nil {
			return nil, err
		}
		for _, name := range missing {
			if !seen[name] {
				seen[name] = true
				absent = append(absent, name)
			}
		}
	}
	return absent, nil
}
