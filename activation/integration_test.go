package activation_test

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

const (
	actService = "gostemd-act.service"
	webSocket  = "gostemd-act-web.socket"
	adminSock  = "gostemd-act-admin.socket"
	dgramSock  = "gostemd-act-dgram.socket"

	webPath   = "/run/gostemd-act-web.sock"
	adminPath = "/run/gostemd-act-admin.sock"
	dgramPath = "/run/gostemd-act-dgram.sock"
)

// freePort returns a TCP port on the loopback address that nothing listens
// on. The container shares the host's network, so a fixed port could clash.
func freePort(t *testing.T) int {
	t.Helper()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeActivationUnits writes a service fed by three socket units: "web"
// with a unix and a TCP listener, "admin" with a unix listener, and a
// datagram socket left with its default name, the socket unit's name.
func writeActivationUnits(t *testing.T, port int) {
	t.Helper()

	socket := func(listen string) string {
		return "[Socket]\n" + listen + "\nRemoveOnStop=yes\nService=" + actService + "\n"
	}
	testbed.WriteUnit(t, webSocket, socket(
		"ListenStream="+webPath+"\nListenStream=127.0.0.1:"+strconv.Itoa(port)+
			"\nFileDescriptorName=web"))
	testbed.WriteUnit(t, adminSock, socket(
		"ListenStream="+adminPath+"\nFileDescriptorName=admin"))
	testbed.WriteUnit(t, dgramSock, socket("ListenDatagram="+dgramPath))

	testbed.WriteUnit(t, actService, "[Unit]\n"+
		"Requires="+webSocket+" "+adminSock+" "+dgramSock+"\n"+
		"[Service]\n"+
		"Sockets="+webSocket+" "+adminSock+" "+dgramSock+"\n"+
		"ExecStart="+strings.Join(testbed.HelperCommand("serve", dgramSock), " ")+"\n")
}

func TestIntegrationSocketActivation(t *testing.T) {
	testbed.Require(t)
	port := freePort(t)
	writeActivationUnits(t, port)

	testbed.Systemctl(t, "start", webSocket, adminSock, dgramSock)
	require.Equal(t, "inactive", testbed.Show(t, actService, "ActiveState"))

	// The first connection starts the service, which answers it.
	got := testbed.Ask(t, "unix", webPath)
	assert.Equal(t, "active", testbed.Show(t, actService, "ActiveState"))

	wantNames := "names=admin," + dgramSock + ",web,web cloexec=true env=false"
	assert.True(t, strings.HasPrefix(got, "web "+wantNames), got)
	assert.Contains(t, got, `wrongkind="packet connection \"admin\": fd `)
	assert.Contains(t, got, `is a listening stream socket, not a datagram socket: wrong kind of descriptor"`)

	t.Run("second listener of the same name", func(t *testing.T) {
		got := testbed.Ask(t, "tcp", "127.0.0.1:"+strconv.Itoa(port))
		assert.True(t, strings.HasPrefix(got, "web "), got)
	})
	t.Run("other named socket", func(t *testing.T) {
		got := testbed.Ask(t, "unix", adminPath)
		assert.True(t, strings.HasPrefix(got, "admin "), got)
	})
	t.Run("datagram socket by its default name", func(t *testing.T) {
		assert.Equal(t, "pong "+dgramSock+" ping", exchangeDatagram(t, "ping"))
	})
}

func exchangeDatagram(t *testing.T, text string) string {
	t.Helper()

	local := &net.UnixAddr{Name: filepath.Join(t.TempDir(), "client"), Net: "unixgram"}
	c, err := net.DialUnix("unixgram", local, &net.UnixAddr{Name: dgramPath, Net: "unixgram"})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))

	_, err = c.Write([]byte(text))
	require.NoError(t, err)
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	require.NoError(t, err)
	return string(buf[:n])
}
