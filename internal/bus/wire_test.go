package bus

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func signal(iface, member string, body ...any) *dbus.Signal {
	return &dbus.Signal{Name: iface + "." + member, Path: ManagerPath, Body: body}
}

func TestParseJobRemoved(t *testing.T) {
	sig := signal(ManagerInterface, JobRemoved,
		uint32(7), dbus.ObjectPath("/org/freedesktop/systemd1/job/7"), "web.service", "done")

	got, err := ParseJobRemoved(sig)
	require.NoError(t, err)
	assert.Equal(t, JobRemovedSignal{7, "/org/freedesktop/systemd1/job/7", "web.service", "done"}, got)
}

func TestParseJobNew(t *testing.T) {
	sig := signal(ManagerInterface, JobNew,
		uint32(8), dbus.ObjectPath("/org/freedesktop/systemd1/job/8"), "web.service")

	got, err := ParseJobNew(sig)
	require.NoError(t, err)
	assert.Equal(t, JobNewSignal{8, "/org/freedesktop/systemd1/job/8", "web.service"}, got)
}

func TestParsePropertiesChanged(t *testing.T) {
	changed := map[string]dbus.Variant{"ActiveState": dbus.MakeVariant("active")}
	sig := signal(PropertiesInterface, PropertiesChanged, UnitInterface, changed, []string{"Conditions"})

	got, err := ParsePropertiesChanged(sig)
	require.NoError(t, err)
	assert.Equal(t, UnitInterface, got.Interface)
	assert.Equal(t, changed, got.Changed)
	assert.Equal(t, []string{"Conditions"}, got.Invalidated)
}

func TestParseSignalErrors(t *testing.T) {
	tests := []struct {
		name string
		sig  *dbus.Signal
		want string
	}{
		{"nil", nil, "read JobRemoved signal: no signal"},
		{"other signal", signal(ManagerInterface, JobNew, uint32(1)),
			"read JobRemoved signal: got org.freedesktop.systemd1.Manager.JobNew"},
		{"short body", signal(ManagerInterface, JobRemoved, uint32(1)),
			"read JobRemoved signal: it has 1 values, not 4"},
		{"wrong type", signal(ManagerInterface, JobRemoved, "1", dbus.ObjectPath("/"), "u", "done"),
			"read JobRemoved signal: value 0 is string, not uint32"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJobRemoved(tt.sig)
			assert.EqualError(t, err, tt.want)
		})
	}
}

// The wire structs must encode to the signatures systemd documents.
func TestWireSignatures(t *testing.T) {
	tests := []struct {
		value any
		want  string
	}{
		{[]UnitStatus{}, "a(ssssssouso)"},
		{[]JobStatus{}, "a(usssoo)"},
		{[]Property{}, "a(sv)"},
		{[]AuxUnit{}, "a(sa(sv))"},
		{[]ExecStart{}, "a(sasb)"},
		{[]ExecCommand{}, "a(sasbttttuii)"},
		{[]UnitFileChange{}, "a(sss)"},
	}

	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, dbus.SignatureOf(tt.value).String())
		})
	}
}
