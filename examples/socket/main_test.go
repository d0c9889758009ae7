package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// systemd starts the server as this test binary, in the helper called
// "serve".
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Helper{Name: "serve", Run: func([]string) int { return serve() }})
}

// program is the command line that runs this test binary as the program:
// the service file appends "serve", which picks the helper.
func program() []string {
	argv := testbed.HelperCommand("serve")
	return argv[:len(argv)-1]
}

func TestSocketActivatedHTTP(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, &out, "", program())
	t.Log("\n" + out.String())
	require.NoError(t, err)
	text := out.String()

	before, after, ok := strings.Cut(text, "GET http://localhost/")
	require.True(t, ok, "no request in the output")

	assert.Contains(t, before, "started gostemd-hello.socket\n")
	assert.Regexp(t,
		`gostemd-hello\.socket +active \(listening\), address /run/gostemd-hello\.sock \(Stream\)`,
		before)
	assert.Regexp(t, `gostemd-hello\.service +inactive \(dead\), no process`, before)

	pid := regexp.MustCompile(`Hello from PID (\d+), request 1: systemd started me ` +
		`on the first connection and handed me its socket "http"\.`).FindStringSubmatch(after)
	require.NotNil(t, pid, "no answer from the server")
	assert.Contains(t, after, "HTTP/1.1 200 OK\n")
	assert.Regexp(t, `gostemd-hello\.service +active \(running\), main PID `+pid[1]+`\n`, after)
	assert.Contains(t, after, "uninstalled: stopped gostemd-hello.socket and gostemd-hello.service")

	assertUninstalled(t)
}

// The install and uninstall modes leave a working socket in between, which
// any HTTP client can use.
func TestInstallThenUninstall(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, "install", program()))
	t.Cleanup(func() { run(context.Background(), &bytes.Buffer{}, "uninstall", nil) })
	assert.Contains(t, out.String(),
		"try: curl --unix-socket /run/gostemd-hello.sock http://localhost/")
	assert.Equal(t, "inactive", testbed.Show(t, serviceUnit, "ActiveState"))

	status, body, err := get(ctx)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK", status)
	assert.Contains(t, body, "request 1:")
	_, body, err = get(ctx)
	require.NoError(t, err)
	assert.Contains(t, body, "request 2:", "a second request goes to the same server")

	require.NoError(t, run(ctx, &out, "uninstall", nil))
	assertUninstalled(t)

	// Uninstalling what is not installed is no error.
	require.NoError(t, run(ctx, &out, "uninstall", nil))
}

func assertUninstalled(t *testing.T) {
	t.Helper()

	for _, name := range []string{socketUnit, serviceUnit} {
		_, err := os.Stat(filepath.Join(unitDir, name))
		assert.ErrorIs(t, err, os.ErrNotExist, name)
	}
	_, err := os.Stat(socketPath)
	assert.ErrorIs(t, err, os.ErrNotExist, "RemoveOnStop=yes removes the socket file")
}

// The unit files in this directory are the ones the program installs.
func TestUnitFilesAreEmbedded(t *testing.T) {
	embedded := map[string]string{socketUnit: socketFile, serviceUnit: serviceFile}
	for name, content := range embedded {
		onDisk, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.Equal(t, string(onDisk), content, name)
	}
	assert.Contains(t, socketFile, "ListenStream="+socketPath+"\n")
	assert.Contains(t, socketFile, "FileDescriptorName="+listenerName+"\n")
	assert.Contains(t, serviceFile, "ExecStart=@PROGRAM@ serve\n")
}
