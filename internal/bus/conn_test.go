package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
)

func TestOptionsDefaults(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "")

	tests := []struct {
		name string
		opts *Options
		want Options
	}{
		{"nil", nil, Options{
			Address: "unix:path=/run/dbus/system_bus_socket", ReconnectMin: 50 * time.Millisecond,
			ReconnectMax: 5 * time.Second, DialTimeout: 10 * time.Second,
		}},
		{"kept", &Options{
			Address: PrivateAddress, Peer: true, ReconnectMin: time.Second,
			ReconnectMax: time.Minute, DialTimeout: time.Second,
		}, Options{
			Address: PrivateAddress, Peer: true, ReconnectMin: time.Second,
			ReconnectMax: time.Minute, DialTimeout: time.Second,
		}},
		{"max below min", &Options{ReconnectMin: time.Minute}, Options{
			Address: "unix:path=/run/dbus/system_bus_socket", ReconnectMin: time.Minute,
			ReconnectMax: time.Minute, DialTimeout: 10 * time.Second,
		}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.opts.withDefaults())
		})
	}
}

func TestSystemBusAddress(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "")
	assert.Equal(t, "unix:path=/run/dbus/system_bus_socket", SystemBusAddress())

	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/elsewhere")
	assert.Equal(t, "unix:path=/elsewhere", SystemBusAddress())
}

func TestUserBusAddress(t *testing.T) {
	tests := []struct {
		name    string
		session string
		runtime string
		want    string
		wantErr bool
	}{
		{"session address", "unix:path=/tmp/bus", "/run/user/1000", "unix:path=/tmp/bus", false},
		{"runtime dir", "", "/run/user/1000", "unix:path=/run/user/1000/bus", false},
		{"escaped", "", "/run/user/a b", "unix:path=/run/user/a%20b/bus", false},
		{"neither", "", "", "", true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.session)
			t.Setenv("XDG_RUNTIME_DIR", tt.runtime)

			got, err := UserBusAddress()
			if tt.wantErr {
				assert.ErrorContains(t, err, "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTranslate(t *testing.T) {
	noSuchUnit := dbus.Error{
		Name: "org.freedesktop.systemd1.NoSuchUnit",
		Body: []any{"Unit web.service not loaded."},
	}
	unknown := dbus.Error{Name: "org.example.Whatever", Body: []any{"Something."}}
	plain := errors.New("plain")

	tests := []struct {
		name     string
		err      error
		lost     bool
		sentinel error
		text     string
		reply    string
	}{
		{"known name", noSuchUnit, false, gostemd.ErrNoSuchUnit,
			"Unit web.service not loaded.", noSuchUnit.Name},
		{"known name, pointer", &noSuchUnit, false, gostemd.ErrNoSuchUnit,
			"Unit web.service not loaded.", noSuchUnit.Name},
		{"known name, wrapped", fmt.Errorf("x: %w", noSuchUnit), false, gostemd.ErrNoSuchUnit,
			"Unit web.service not loaded.", noSuchUnit.Name},
		{"reply wins over lost", noSuchUnit, true, gostemd.ErrNoSuchUnit,
			"Unit web.service not loaded.", noSuchUnit.Name},
		{"no message", dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, false,
			gostemd.ErrAccessDenied, "org.freedesktop.DBus.Error.AccessDenied",
			"org.freedesktop.DBus.Error.AccessDenied"},
		{"unknown name", unknown, false, nil, "Something.", unknown.Name},
		{"EOF", io.EOF, false, gostemd.ErrDisconnected, "connection lost: EOF", ""},
		{"closed", dbus.ErrClosed, false, gostemd.ErrDisconnected,
			"connection lost: dbus: connection closed by user", ""},
		{"lost", plain, true, gostemd.ErrDisconnected, "connection lost: plain", ""},
		{"other", plain, false, nil, "plain", ""},
		{"deadline while lost", context.DeadlineExceeded, true, context.DeadlineExceeded,
			"context deadline exceeded", ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := translate(tt.err, tt.lost)

			assert.Equal(t, tt.text, got.Error())
			if tt.sentinel != nil {
				assert.ErrorIs(t, got, tt.sentinel)
			}
			var reply dbus.Error
			if tt.reply == "" {
				assert.False(t, errors.As(got, &reply))
				return
			}
			require.ErrorAs(t, got, &reply)
			assert.Equal(t, tt.reply, reply.Name)
		})
	}

	assert.NoError(t, translate(nil, true))
}

func TestReplyStore(t *testing.T) {
	reply := &Reply{Body: []any{dbus.ObjectPath("/a"), uint32(3), []any{"x", uint64(1)}}}

	var path dbus.ObjectPath
	var n uint32
	var pair struct {
		S string
		T uint64
	}
	require.NoError(t, reply.Store(&path, &n, &pair))
	assert.Equal(t, dbus.ObjectPath("/a"), path)
	assert.Equal(t, uint32(3), n)
	assert.Equal(t, "x", pair.S)
	assert.Equal(t, uint64(1), pair.T)
}

func TestReplyStoreErrors(t *testing.T) {
	failed := errors.New("call failed")
	var s string
	var u uint64

	tests := []struct {
		name  string
		reply *Reply
		dst   []any
		want  string
	}{
		{"call error", &Reply{Err: failed}, []any{&s}, "call failed"},
		{"count", &Reply{Body: []any{"a", "b"}}, []any{&s}, "store reply: it has 2 values, not 1"},
		{"not a pointer", &Reply{Body: []any{"a"}}, []any{s},
			"store reply value 0 into string: want a non-nil pointer"},
		{"type", &Reply{Body: []any{uint32(1)}}, []any{&u},
			"store reply value 0: uint32 does not fit uint64"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, tt.reply.Store(tt.dst...), tt.want)
		})
	}
}

func TestNewCall(t *testing.T) {
	c := newConn(&Options{InteractiveAuthorization: true})
	defer c.cancel()

	msg, err := c.newCall(ManagerPath, ManagerInterface, "StartUnit", []any{"a.service", "replace"})
	require.NoError(t, err)
	assert.Equal(t, dbus.MakeVariant(dbus.ParseSignatureMust("ss")), msg.Headers[dbus.FieldSignature])
	assert.Equal(t, dbus.MakeVariant(Service), msg.Headers[dbus.FieldDestination])
	assert.NotZero(t, msg.Flags&dbus.FlagAllowInteractiveAuthorization)
	require.NoError(t, msg.IsValid())

	_, err = c.newCall("not/a/path", ManagerInterface, "GetUnit", nil)
	assert.ErrorContains(t, err, `invalid object path "not/a/path"`)

	_, err = c.newCall(ManagerPath, ManagerInterface, "GetUnit", []any{make(chan int)})
	assert.ErrorContains(t, err,
		"call org.freedesktop.systemd1.Manager.GetUnit: arguments have no D-Bus type")
}

func TestMatchValidate(t *testing.T) {
	tests := []struct {
		name  string
		match Match
		want  string
	}{
		{"empty", Match{}, ""},
		{"full", Match{Path: ManagerPath, Interface: ManagerInterface, Member: JobRemoved}, ""},
		{"namespace", Match{PathNamespace: UnitPathPrefix}, ""},
		{"both paths", Match{Path: ManagerPath, PathNamespace: UnitPathPrefix},
			"both Path and PathNamespace are set"},
		{"bad path", Match{Path: "x"}, `invalid object path "x"`},
		{"bad namespace", Match{PathNamespace: "/a/"}, `invalid object path "/a/"`},
		{"quote in interface", Match{Interface: "a'b"}, `invalid interface name "a'b"`},
		{"dot in member", Match{Member: "a.b"}, `invalid member name "a.b"`},
		{"via", Match{Path: ManagerPath, Via: &Match{PathNamespace: "/org"}}, ""},
		{"bad via", Match{Via: &Match{Path: "x"}}, `via: invalid object path "x"`},
		{"via with via", Match{Via: &Match{Via: &Match{}}},
			"via: a shared rule cannot have Via or ManagerSubscribe"},
		{"via subscribing", Match{Via: &Match{ManagerSubscribe: true}},
			"via: a shared rule cannot have Via or ManagerSubscribe"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.match.validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestMatchMatches(t *testing.T) {
	unit := UnitPath("web.service")

	tests := []struct {
		name   string
		match  Match
		iface  string
		member string
		path   dbus.ObjectPath
		want   bool
	}{
		{"empty matches all", Match{}, ManagerInterface, JobNew, ManagerPath, true},
		{"interface", Match{Interface: ManagerInterface}, ManagerInterface, JobNew, ManagerPath, true},
		{"other interface", Match{Interface: ManagerInterface}, PropertiesInterface,
			PropertiesChanged, unit, false},
		{"member", Match{Member: JobNew}, ManagerInterface, JobRemoved, ManagerPath, false},
		{"path", Match{Path: unit}, PropertiesInterface, PropertiesChanged, unit, true},
		{"other path", Match{Path: unit}, PropertiesInterface, PropertiesChanged, ManagerPath, false},
		{"namespace itself", Match{PathNamespace: UnitPathPrefix}, "", "", UnitPathPrefix, true},
		{"namespace child", Match{PathNamespace: UnitPathPrefix}, "", "", unit, true},
		{"namespace sibling", Match{PathNamespace: UnitPathPrefix}, "", "",
			"/org/freedesktop/systemd1/units", false},
		{"namespace parent", Match{PathNamespace: UnitPathPrefix}, "", "", ManagerPath, false},
		{"root namespace", Match{PathNamespace: "/"}, "", "", unit, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.match.matches(tt.iface, tt.member, tt.path))
		})
	}
}

func TestResetReasonString(t *testing.T) {
	assert.Equal(t, "none", NoReset.String())
	assert.Equal(t, "reconnected", Reconnected.String())
	assert.Equal(t, "systemd's bus name changed owner", OwnerChanged.String())
	assert.Equal(t, "ResetReason(7)", ResetReason(7).String())
}

// A subscription's queue takes any number of events without a reader, and
// hands them out in order.
func TestSubscriptionQueue(t *testing.T) {
	c := newConn(nil)
	defer c.Close()
	s, err := c.newSubscription(Match{}, []Match{{}}, nil)
	require.NoError(t, err)

	const n = 10000
	for i := range n {
		s.push(Event{Signal: &dbus.Signal{Body: []any{i}}})
	}
	for i := range n {
		e := <-s.Events()
		require.Equal(t, i, e.Signal.Body[0])
	}

	s.Close()
	_, open := <-s.Events()
	assert.False(t, open)
}
