package bus

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/internal/testbed"
)

// Only systemd's signals reach subscribers: a signal another client sends
// straight to our connection, posing as systemd, is dropped.
func TestIntegrationImpostorSignalIsDropped(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, err := Dial(ctx, nil)
	require.NoError(t, err)
	defer c.Close()
	s, err := c.Subscribe(ctx, Match{Interface: ManagerInterface, ManagerSubscribe: true})
	require.NoError(t, err)
	defer s.Close()

	impostor, err := dbus.ConnectSystemBus()
	require.NoError(t, err)
	defer impostor.Close()
	sendFakeReloading(t, impostor, c.uniqueName())

	// The bus daemon queues the impostor's signal for us before it answers
	// the impostor's next call, and before systemd's own Reloading below.
	require.NoError(t, impostor.BusObject().CallWithContext(ctx,
		"org.freedesktop.DBus.GetId", 0).Err)
	out, err := exec.Command("systemctl", "daemon-reload").CombinedOutput()
	require.NoError(t, err, string(out))

	select {
	case e := <-s.Events():
		require.NotNil(t, e.Signal)
		assert.Equal(t, ManagerInterface+"."+Reloading, e.Signal.Name)
		assert.Equal(t, c.owner(), e.Signal.Sender)
		assert.NotEqual(t, impostor.Names()[0], e.Signal.Sender)
	case <-ctx.Done():
		t.Fatal("no Reloading signal from systemd")
	}
}

// sendFakeReloading sends a Manager.Reloading signal to one connection.
func sendFakeReloading(tb testing.TB, conn *dbus.Conn, dest string) {
	tb.Helper()

	msg := &dbus.Message{
		Type: dbus.TypeSignal,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldDestination: dbus.MakeVariant(dest),
			dbus.FieldPath:        dbus.MakeVariant(ManagerPath),
			dbus.FieldInterface:   dbus.MakeVariant(ManagerInterface),
			dbus.FieldMember:      dbus.MakeVariant(Reloading),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(true)),
		},
		Body: []any{true},
	}
	require.NoError(tb, conn.Send(msg, nil).Err)
}

func (c *Conn) uniqueName() string {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.link.conn.Names()[0]
}

func (c *Conn) owner() string {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.link.owner
}

// systemd counts the Conn as subscribed while a subscription asks for it,
// and no longer once the last such subscription is closed.
func TestIntegrationManagerSubscriptionIsReleased(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, nil)
	require.NoError(t, err)
	defer c.Close()

	m := Match{Path: ManagerPath, ManagerSubscribe: true}
	first, err := c.Subscribe(ctx, m)
	require.NoError(t, err)
	second, err := c.Subscribe(ctx, m)
	require.NoError(t, err)

	err = c.Call(ctx, ManagerPath, ManagerInterface, Subscribe).Err
	assert.ErrorIs(t, err, gostemd.ErrAlreadySubscribed)

	first.Close()
	second.Close()
	c.awaitManagerReleased(t)

	err = c.Call(ctx, ManagerPath, ManagerInterface, Unsubscribe).Err
	assert.ErrorIs(t, err, gostemd.ErrNotSubscribed)
}

// awaitManagerReleased waits, within a bound, for the background release of
// the manager subscription; nothing signals its end.
func (c *Conn) awaitManagerReleased(tb testing.TB) {
	tb.Helper()

	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		c.mgr.mu.Lock()
		released := c.mgr.users == 0 && c.mgr.on == nil
		c.mgr.mu.Unlock()
		if released {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatal("the manager subscription was not released")
}
