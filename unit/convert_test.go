package unit

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/bus"
)

func TestUnsetValues(t *testing.T) {
	assert.True(t, usecTime(0).IsZero())
	assert.True(t, usecTime(math.MaxUint64).IsZero())
	assert.Equal(t, time.UnixMicro(1_700_000_000_123_456), usecTime(1_700_000_000_123_456))

	durations := []struct {
		usec uint64
		want time.Duration
	}{
		{0, 0},
		{1, time.Microsecond},
		{90_000_000, 90 * time.Second},
		{math.MaxUint64, Forever},
		{math.MaxInt64, Forever},
	}
	for _, tt := range durations {
		assert.Equal(t, tt.want, usecDuration(tt.usec), "%d µs", tt.usec)
	}

	assert.Nil(t, optional(math.MaxUint64))
	assert.Equal(t, uint64(0), *optional(0))
	assert.Nil(t, optionalNsec(math.MaxUint64))
	assert.Equal(t, 2*time.Second, *optionalNsec(2_000_000_000))
}

func TestParseInvocationID(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "4a0b3bd7a7b54c3d9a45a6c1a5b32e6f", want: "4a0b3bd7a7b54c3d9a45a6c1a5b32e6f"},
		{in: "4A0B3BD7-A7B5-4C3D-9A45-A6C1A5B32E6F", want: "4a0b3bd7a7b54c3d9a45a6c1a5b32e6f"},
		{in: "", wantErr: true},
		{in: "4a0b3bd7a7b54c3d9a45a6c1a5b32e6", wantErr: true},
		{in: "4a0b3bd7a7b54c3d9a45a6c1a5b32e6g", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := ParseInvocationID(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, id.String())
			assert.False(t, id.IsZero())
		})
	}
}

func TestJobError(t *testing.T) {
	tests := []struct {
		name string
		err  *JobError
		is   []error
		not  []error
		msg  string
	}{
		{
			name: "failed service",
			err: &JobError{
				Unit: "web.service", Type: JobStart, Result: JobFailed, UnitResult: ResultExitCode,
			},
			is:  []error{ErrJobFailed},
			not: []error{ErrJobTimeout, ErrJobCanceled},
			msg: "start job for web.service: failed (unit result: exit-code)",
		},
		{
			name: "start timeout",
			err: &JobError{
				Unit: "web.service", Type: JobStart, Result: JobFailed, UnitResult: ResultTimeout,
			},
			is:  []error{ErrJobFailed, ErrJobTimeout},
			msg: "start job for web.service: failed (unit result: timeout)",
		},
		{
			name: "job timeout",
			err:  &JobError{Unit: "web.service", Type: JobStop, Result: JobTimeout},
			is:   []error{ErrJobTimeout},
			not:  []error{ErrJobFailed},
			msg:  "stop job for web.service: timeout",
		},
		{
			name: "canceled",
			err:  &JobError{Unit: "a.socket", Type: JobRestart, Result: JobCanceled},
			is:   []error{ErrJobCanceled},
			msg:  "restart job for a.socket: canceled",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = tt.err
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, target := range tt.not {
				assert.False(t, errors.Is(err, target), "is %v", target)
			}
			assert.EqualError(t, err, tt.msg)
		})
	}
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "replace", Mode("").String())
	assert.Equal(t, "fail", ModeFail.String())
	assert.Equal(t, "exited", CodeExited.String())
	assert.Equal(t, "dumped", CodeDumped.String())
	assert.Equal(t, "code 7", ExitCode(7).String())
	assert.Equal(t, "failed", Failed.String())
	assert.Equal(t, "masked", LoadMasked.String())
}

func TestPlainValues(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"string", "x", "x"},
		{"uint64", uint64(7), uint64(7)},
		{"object path", dbus.ObjectPath("/a/b"), "/a/b"},
		{"paths", []dbus.ObjectPath{"/a", "/b"}, []string{"/a", "/b"}},
		{"struct", []any{uint32(3), dbus.ObjectPath("/j/3")}, []any{uint32(3), "/j/3"}},
		{"variant", dbus.MakeVariant(dbus.ObjectPath("/v")), "/v"},
		{
			"dict", map[string]dbus.Variant{"k": dbus.MakeVariant(true)},
			map[string]any{"k": true},
		},
		{"signature", dbus.SignatureOf(uint32(0)), "u"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, plain(tt.in))
		})
	}
}

func TestTypeInterface(t *testing.T) {
	iface, ok := typeInterface("app@v1.service")
	assert.True(t, ok)
	assert.Equal(t, "org.freedesktop.systemd1.Service", iface)

	_, ok = typeInterface("multi-user.target")
	assert.False(t, ok, "targets have no Result")

	_, ok = typeInterface("not a unit")
	assert.False(t, ok)
}

func TestInterfaceNamesMatchBus(t *testing.T) {
	for iface, name := range map[Interface]string{
		InterfaceUnit:      bus.UnitInterface,
		InterfaceService:   bus.ServiceInterface,
		InterfaceSocket:    bus.SocketInterface,
		InterfaceTimer:     bus.TimerInterface,
		InterfaceScope:     bus.ScopeInterface,
		InterfaceSlice:     bus.SliceInterface,
		InterfaceMount:     bus.MountInterface,
		InterfaceAutomount: bus.AutomountInterface,
		InterfaceSwap:      bus.SwapInterface,
		InterfacePath:      bus.PathInterface,
		InterfaceTarget:    bus.TargetInterface,
		InterfaceDevice:    bus.DeviceInterface,
	} {
		assert.Equal(t, name, iface.String())
	}
}

func FuzzParseInvocationID(f *testing.F) {
	for _, seed := range []string{
		"4a0b3bd7a7b54c3d9a45a6c1a5b32e6f", "4A0B3BD7-A7B5-4C3D-9A45-A6C1A5B32E6F", "", "-", "xyz",
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseInvocationID(s)
		if err != nil {
			return
		}

		// What parses prints as 32 lowercase hex digits and parses back.
		printed := id.String()
		require.Len(t, printed, 32)
		again, err := ParseInvocationID(printed)
		require.NoError(t, err)
		assert.Equal(t, id, again)
	})
}
