package bus

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var labelTests = []struct {
	name    string
	raw     string
	escaped string
}{
	{"empty", "", "_"},
	{"letters", "abcXYZ", "abcXYZ"},
	{"service", "dbus.service", "dbus_2eservice"},
	{"dash", "systemd-journald.service", "systemd_2djournald_2eservice"},
	{"root mount", "-.mount", "_2d_2emount"},
	{"template instance", "user@0.service", "user_400_2eservice"},
	{"leading digit", "0abc", "_30abc"},
	{"inner digits", "a01", "a01"},
	{"underscore", "a_b", "a_5fb"},
	{"slash", "dev/sda", "dev_2fsda"},
	{"backslash escape", `dev-disk-by\x2dlabel.device`, "dev_2ddisk_2dby_5cx2dlabel_2edevice"},
	{"high bytes", "\xc3\xa9", "_c3_a9"},
	{"nul", "a\x00b", "a_00b"},
	{"lone underscore", "_", "_5f"},
}

func TestEscapeLabel(t *testing.T) {
	for _, tt := range labelTests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.escaped, EscapeLabel(tt.raw))
		})
	}
}

func TestUnescapeLabel(t *testing.T) {
	for _, tt := range labelTests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.raw, UnescapeLabel(tt.escaped))
		})
	}
}

func TestUnescapeLabelLenient(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"uppercase hex", "_2D_2Emount", "-.mount"},
		{"trailing underscore", "abc_", "abc_"},
		{"short escape", "abc_2", "abc_2"},
		{"not hex", "a_zzb", "a_zzb"},
		{"half hex", "a_2zb", "a_2zb"},
		{"double underscore", "__2d", "_-"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, UnescapeLabel(tt.in))
		})
	}
}

func TestUnitPath(t *testing.T) {
	path := UnitPath("-.mount")

	assert.Equal(t, dbus.ObjectPath("/org/freedesktop/systemd1/unit/_2d_2emount"), path)
	assert.True(t, path.IsValid())
}

func FuzzLabel(f *testing.F) {
	for _, tt := range labelTests {
		f.Add(tt.raw)
		f.Add(tt.escaped)
	}

	f.Fuzz(func(t *testing.T, s string) {
		escaped := EscapeLabel(s)

		require.Equal(t, s, UnescapeLabel(escaped), "round trip")
		require.True(t, UnitPath(s).IsValid(), "%q is not a valid path element", escaped)

		// Unescaping arbitrary input must not panic either.
		_ = UnescapeLabel(s)
	})
}
