package bus

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type activeState string

type execCommand struct {
	Path       string
	Argv       []string
	IgnoreFail bool
	StartTime  uint64
	StopTime   uint64
}

type unitProps struct {
	ID          string      `dbus:"Id"`
	ActiveState activeState `dbus:"ActiveState"`
	NRestarts   uint32      `dbus:"NRestarts"`
	MemoryMax   uint64      `dbus:"MemoryMax"`
	Names       []string    `dbus:"Names"`
	Job         struct {
		ID   uint32
		Path dbus.ObjectPath
	} `dbus:"Job"`
	Untagged string
	Skipped  string `dbus:"-"`
}

type serviceProps struct {
	unitProps
	ExecStart   []execCommand           `dbus:"ExecStart"`
	Environment map[string]string       `dbus:"Environment"`
	Raw         dbus.Variant            `dbus:"Raw"`
	Anything    any                     `dbus:"Anything"`
	Extra       map[string]dbus.Variant `dbus:"Extra"`
	Timeout     *uint64                 `dbus:"Timeout"`
}

// variants builds a property map from names and values. A value that is
// already a dbus.Variant is kept as it is.
func variants(kv ...any) map[string]dbus.Variant {
	m := make(map[string]dbus.Variant)
	for i := 0; i < len(kv); i += 2 {
		v, ok := kv[i+1].(dbus.Variant)
		if !ok {
			v = dbus.MakeVariant(kv[i+1])
		}
		m[kv[i].(string)] = v
	}
	return m
}

// wireStruct is a D-Bus struct as godbus decodes it from the wire: a []any
// with the struct's signature.
func wireStruct(sig string, fields ...any) dbus.Variant {
	return dbus.MakeVariantWithSignature(fields, dbus.ParseSignatureMust(sig))
}

func TestDecode(t *testing.T) {
	props := variants(
		"Id", "web.service",
		"ActiveState", "active",
		"NRestarts", uint32(3),
		"MemoryMax", uint64(1<<20),
		"Names", []string{"web.service", "www.service"},
		"Job", wireStruct("(uo)", uint32(7), dbus.ObjectPath("/org/freedesktop/systemd1/job/7")),
		"Untagged", "ignored",
		"-", "ignored",
		"ExecStart", [][]any{{"/bin/true", []string{"true", "-x"}, false, uint64(1), uint64(2)}},
		"Environment", map[string]string{"A": "1"},
		"Raw", int32(-5),
		"Anything", []string{"x"},
		"Extra", map[string]dbus.Variant{"k": dbus.MakeVariant(true)},
		"Timeout", uint64(90),
	)

	var got serviceProps
	absent, err := Decode(props, &got)
	require.NoError(t, err)
	assert.Empty(t, absent)

	assert.Equal(t, "web.service", got.ID)
	assert.Equal(t, activeState("active"), got.ActiveState)
	assert.Equal(t, uint32(3), got.NRestarts)
	assert.Equal(t, uint64(1<<20), got.MemoryMax)
	assert.Equal(t, []string{"web.service", "www.service"}, got.Names)
	assert.Equal(t, uint32(7), got.Job.ID)
	assert.Equal(t, dbus.ObjectPath("/org/freedesktop/systemd1/job/7"), got.Job.Path)
	assert.Empty(t, got.Untagged)
	assert.Empty(t, got.Skipped)
	assert.Equal(t, []execCommand{{"/bin/true", []string{"true", "-x"}, false, 1, 2}}, got.ExecStart)
	assert.Equal(t, map[string]string{"A": "1"}, got.Environment)
	assert.Equal(t, dbus.MakeVariant(int32(-5)), got.Raw)
	assert.Equal(t, []string{"x"}, got.Anything)
	assert.Equal(t, map[string]dbus.Variant{"k": dbus.MakeVariant(true)}, got.Extra)
	require.NotNil(t, got.Timeout)
	assert.Equal(t, uint64(90), *got.Timeout)
}

func TestDecodeAbsent(t *testing.T) {
	props := variants("Id", "web.service", "MemoryMax", uint64(5))
	got := unitProps{NRestarts: 42}

	absent, err := Decode(props, &got)
	require.NoError(t, err)

	assert.Equal(t, []string{"ActiveState", "NRestarts", "Names", "Job"}, absent)
	assert.Equal(t, uint32(42), got.NRestarts, "an absent property keeps its field")
	assert.Equal(t, "web.service", got.ID)
}

func TestDecodeTypeErrors(t *testing.T) {
	const jobType = "struct { ID uint32; Path dbus.ObjectPath }"

	tests := []struct {
		name     string
		property string
		value    any
		want     string
	}{
		{"narrower integer", "MemoryMax", uint32(1),
			`property MemoryMax: D-Bus type "u" does not fit Go type uint64`},
		{"signedness", "NRestarts", int32(1),
			`property NRestarts: D-Bus type "i" does not fit Go type uint32`},
		{"number for string", "Id", uint32(65),
			`property Id: D-Bus type "u" does not fit Go type string`},
		{"struct for array", "Names", wireStruct("(ss)", "a", "b"),
			`property Names: D-Bus type "(ss)" does not fit Go type []string`},
		{"array element", "Names", []int32{1},
			`property Names: D-Bus type "ai" does not fit Go type []string`},
		{"struct arity", "Job", wireStruct("(u)", uint32(1)),
			`property Job: D-Bus type "(u)" does not fit Go type ` + jobType},
		{"struct field", "Job", wireStruct("(so)", "1", dbus.ObjectPath("/")),
			`property Job: D-Bus type "(so)" does not fit Go type ` + jobType},
		{"named string", "ActiveState", true,
			`property ActiveState: D-Bus type "b" does not fit Go type bus.activeState`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got unitProps
			_, err := Decode(variants(tt.property, tt.value), &got)

			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())

			var typeErr *TypeError
			require.ErrorAs(t, err, &typeErr)
			assert.Equal(t, tt.property, typeErr.Property)
		})
	}
}

func TestDecodeReportsEveryBadProperty(t *testing.T) {
	props := variants("Id", uint32(1), "MemoryMax", "lots", "ActiveState", "active")

	var got unitProps
	_, err := Decode(props, &got)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "property Id:")
	assert.Contains(t, err.Error(), "property MemoryMax:")
	assert.Equal(t, activeState("active"), got.ActiveState, "good properties are still decoded")
}

func TestDecodeBadDestination(t *testing.T) {
	var s unitProps
	var n int

	tests := []struct {
		name string
		dst  any
	}{
		{"nil", nil},
		{"struct value", s},
		{"nil pointer", (*unitProps)(nil)},
		{"pointer to int", &n},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(variants("Id", "x"), tt.dst)
			assert.ErrorContains(t, err, "want a non-nil pointer to a struct")
		})
	}
}

func TestDecodeUnexportedTaggedField(t *testing.T) {
	var dst struct {
		id string `dbus:"Id"`
	}

	_, err := Decode(variants("Id", "x"), &dst)
	assert.ErrorContains(t, err, "property Id: field id is unexported")
	assert.Empty(t, dst.id)
}

// fuzzTarget has a field of most shapes systemd's properties take.
type fuzzTarget struct {
	S  string          `dbus:"s"`
	B  bool            `dbus:"b"`
	Y  byte            `dbus:"y"`
	N  int16           `dbus:"n"`
	Q  uint16          `dbus:"q"`
	I  int32           `dbus:"i"`
	U  uint32          `dbus:"u"`
	X  int64           `dbus:"x"`
	T  uint64          `dbus:"t"`
	D  float64         `dbus:"d"`
	O  dbus.ObjectPath `dbus:"o"`
	AS []string        `dbus:"as"`
	AY []byte          `dbus:"ay"`
	ST struct {
		A string
		B []uint32
	} `dbus:"st"`
	AST []execCommand           `dbus:"ast"`
	M   map[string]string       `dbus:"m"`
	MV  map[string]dbus.Variant `dbus:"mv"`
	V   dbus.Variant            `dbus:"v"`
	A   any                     `dbus:"a"`
	P   *uint64                 `dbus:"p"`
}

var fuzzFields = []string{
	"s", "b", "y", "n", "q", "i", "u", "x", "t", "d", "o",
	"as", "ay", "st", "ast", "m", "mv", "v", "a", "p",
}

func FuzzDecode(f *testing.F) {
	seeds := []any{
		"text", true, byte(7), int16(-3), uint16(3), int32(3), uint32(3),
		int64(-9), uint64(9), 1.5, dbus.ObjectPath("/a/b"), []string{"a", "b"},
		[]byte{1, 2}, wireStruct("(sau)", "a", []uint32{1}),
		[]execCommand{{"/bin/true", []string{"true"}, false, 0, 0}},
		map[string]string{"k": "v"}, map[string]dbus.Variant{"k": dbus.MakeVariant(1)},
		dbus.MakeVariant(dbus.MakeVariant("nested")), []string{}, [][]string{{"x"}},
	}
	for i, seed := range seeds {
		f.Add(variantBody(f, seed), uint8(i))
	}

	f.Fuzz(func(t *testing.T, body []byte, field uint8) {
		v, ok := decodeVariantBody(body)
		if !ok {
			return
		}
		name := fuzzFields[int(field)%len(fuzzFields)]

		var dst fuzzTarget
		absent, err := Decode(map[string]dbus.Variant{name: v}, &dst)

		require.Len(t, absent, len(fuzzFields)-1)
		require.NotContains(t, absent, name)
		if err != nil {
			var typeErr *TypeError
			require.ErrorAs(t, err, &typeErr)
			require.Equal(t, name, typeErr.Property)
			require.Equal(t, v.Signature().String(), typeErr.DBusType)
		}
	})
}

// variantMessage is a signal whose body is one variant; the fuzz test swaps
// in its own body bytes, so values come from godbus's wire decoder exactly as
// they would from systemd.
func variantMessage(value any) *dbus.Message {
	v, ok := value.(dbus.Variant)
	if !ok {
		v = dbus.MakeVariant(value)
	}

	return &dbus.Message{
		Type: dbus.TypeSignal,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:      dbus.MakeVariant(dbus.ObjectPath("/a")),
			dbus.FieldInterface: dbus.MakeVariant("a.b"),
			dbus.FieldMember:    dbus.MakeVariant("C"),
			dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(v)),
		},
		Body: []any{v},
	}
}

// encodeMessage returns a message's wire form split into header and body.
func encodeMessage(msg *dbus.Message) (header, body []byte, err error) {
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		return nil, nil, err
	}

	n := binary.LittleEndian.Uint32(buf.Bytes()[4:8])
	split := buf.Len() - int(n)
	return buf.Bytes()[:split], buf.Bytes()[split:], nil
}

func variantBody(tb testing.TB, value any) []byte {
	tb.Helper()

	_, body, err := encodeMessage(variantMessage(value))
	require.NoError(tb, err)
	return body
}

// variantHeader is the header of a signal carrying one variant.
var variantHeader = sync.OnceValue(func() []byte {
	header, _, err := encodeMessage(variantMessage(uint32(0)))
	if err != nil {
		panic(err)
	}
	return header
})

// decodeVariantBody decodes body as the one variant of a signal.
func decodeVariantBody(body []byte) (dbus.Variant, bool) {
	msg := bytes.Clone(variantHeader())
	binary.LittleEndian.PutUint32(msg[4:8], uint32(len(body)))
	msg = append(msg, body...)

	decoded, err := dbus.DecodeMessage(bytes.NewReader(msg))
	if err != nil || len(decoded.Body) != 1 {
		return dbus.Variant{}, false
	}
	v, ok := decoded.Body[0].(dbus.Variant)
	return v, ok
}
