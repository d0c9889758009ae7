package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

// result is what one gorun run returned and printed.
type result struct {
	code        int
	err         error
	out, errOut string
}

func gorunArgs(tb testing.TB, stdin string, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var out, errOut bytes.Buffer
	var in *strings.Reader
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	code, err := gorun(ctx, readerOrNil(in), &out, &errOut, args)
	return result{code, err, out.String(), errOut.String()}
}

// readerOrNil keeps a nil *strings.Reader from becoming a non-nil reader.
func readerOrNil(r *strings.Reader) interface{ Read([]byte) (int, error) } {
	if r == nil {
		return nil
	}
	return r
}

func TestWaitPrintsResult(t *testing.T) {
	testbed.Require(t)

	r := gorunArgs(t, "", "--wait", "--collect", "-p", "MemoryMax=10M", "sh", "-c", "exit 3")
	require.NoError(t, r.err)
	assert.Equal(t, 3, r.code)
	assert.Regexp(t, `^Running as unit: run-gostemd-[0-9a-f]+\.service\n`, r.errOut)
	assert.Contains(t, r.errOut, "Finished with result: exit-code\n")
	assert.Contains(t, r.errOut, "Main processes terminated with: code=exited, status=3/NOTIMPLEMENTED\n")
	assert.Regexp(t, `Service runtime: [0-9.]+m?s\n`, r.errOut)
}

func TestWaitSignal(t *testing.T) {
	testbed.Require(t)

	r := gorunArgs(t, "", "--wait", "--collect", "sh", "-c", "kill -KILL $$")
	require.NoError(t, r.err)
	assert.Equal(t, 255, r.code)
	assert.Contains(t, r.errOut, "Finished with result: signal\n")
	assert.Contains(t, r.errOut, "code=killed, status=9/KILL\n")
}

func TestPipe(t *testing.T) {
	testbed.Require(t)

	r := gorunArgs(t, "", "--pipe", "-q", "echo", "hi")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "hi\n", r.out)
	assert.Equal(t, "", r.errOut)

	r = gorunArgs(t, "from stdin\n", "-P", "-q", "-G", "sh", "-c", "cat; echo oops >&2; exit 4")
	require.NoError(t, r.err)
	assert.Equal(t, 4, r.code)
	assert.Equal(t, "from stdin\n", r.out)
	assert.Equal(t, "oops\n", r.errOut)
}

func TestPTY(t *testing.T) {
	testbed.Require(t)

	r := gorunArgs(t, "", "--pty", "-q", "--collect", "sh", "-c", "tty; exit 2")
	require.NoError(t, r.err)
	assert.Equal(t, 2, r.code)
	assert.Regexp(t, `^/dev/pts/\d+\r\n$`, r.out)
}

func TestScope(t *testing.T) {
	testbed.Require(t)

	r := gorunArgs(t, "", "--scope", "--wait", "cat", "/proc/self/cgroup")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)

	first, _, _ := strings.Cut(r.errOut, "\n")
	name, ok := strings.CutPrefix(first, "Running scope as unit: ")
	require.True(t, ok, "%s", r.errOut)
	assert.True(t, strings.HasSuffix(name, ".scope"), name)
	assert.Contains(t, r.out, "0::/system.slice/"+name+"\n")
	assert.Contains(t, r.errOut, "Finished with result: success\n")
	assert.Contains(t, r.errOut, "Scope runtime: ")

	r = gorunArgs(t, "", "--scope", "-q", "sh", "-c", "exit 6")
	require.NoError(t, r.err)
	assert.Equal(t, 6, r.code)
}

// TestUnitName starts a named unit without waiting: gorun returns at once,
// and the unit runs on.
func TestUnitName(t *testing.T) {
	testbed.Require(t)
	name := "gorun-test-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { testbed.Systemctl(t, "stop", name+".service") })

	r := gorunArgs(t, "", "--unit", name, "--slice", "gorun-test", "sleep", "1000")
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "Running as unit: "+name+".service\n", r.errOut)
	testbed.AwaitShow(t, name+".service", "SubState", "running")
	assert.Equal(t, "gorun-test.slice", testbed.Show(t, name+".service", "Slice"))
}

func TestBadProperty(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", "MemoryMax=lots", "true"}, `"MemoryMax=lots"`},
		{[]string{"-p", "NoSuchThing=1", "true"}, "unknown property NoSuchThing"},
		{[]string{"-p", "MemoryMax", "true"}, `"MemoryMax": not an assignment`},
	} {
		t.Run(tt.args[1], func(t *testing.T) {
			r := gorunArgs(t, "", tt.args...)
			require.Error(t, r.err)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.err.Error(), tt.want)
		})
	}

	r := gorunArgs(t, "", "--scope", "-p", "PrivateTmp=yes", "true")
	require.Error(t, r.err)
	assert.Contains(t, r.err.Error(), `property "PrivateTmp=yes": not for a scope`)

	r = gorunArgs(t, "", "--wait")
	assert.ErrorContains(t, r.err, "no command given")
}

// TestUser runs a command through --user in root's own manager
// (user@0.service), whose bus may take a moment to come up.
func TestUser(t *testing.T) {
	testbed.Require(t)
	testbed.Systemctl(t, "start", "user@0.service")
	t.Cleanup(func() { testbed.Systemctl(t, "stop", "user@0.service") })
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/0")

	var r result
	deadline := time.Now().Add(30 * time.Second)
	for {
		r = gorunArgs(t, "", "--user", "--pipe", "-q", "cat", "/proc/self/cgroup")
		if r.err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, r.err)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.out, "/user.slice/user-0.slice/user@0.service/", r.out)
}
