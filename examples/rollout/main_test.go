package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// systemd starts the app as this test binary, in the helper called "serve".
func TestMain(m *testing.M) {
	testbed.Main(m, testbed.Helper{Name: "serve", Run: serve})
}

func TestRollout(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, &out, testbed.HelperCommand("serve"))
	t.Log("\n" + out.String())
	require.NoError(t, err)
	text := out.String()

	assert.Contains(t, text, "wrote /run/systemd/system/app@.service and reloaded systemd")
	assert.Contains(t, text, "ExecStart="+execLine(testbed.HelperCommand("serve"))+" %i")

	pid1 := find(t, text, `started app@v1\.service: instance "v1", main PID (\d+)`)
	pid2 := find(t, text, `started app@v2\.service: instance "v2", main PID (\d+)`)
	assert.NotEqual(t, pid1, pid2)

	// The table, and each version's own answer, agree with the main PIDs.
	assert.Regexp(t, `app@v1\.service +v1 +`+pid1+` +active \(running\)`, text)
	assert.Regexp(t, `app@v2\.service +v2 +`+pid2+` +active \(running\)`, text)
	assert.Contains(t, text, "app@v1.service answers: hello from version v1, PID "+pid1+"\n")
	assert.Contains(t, text, "app@v2.service answers: hello from version v2, PID "+pid2+"\n")

	assert.Contains(t, text, "app@v1.service is now inactive (dead); "+
		"app@v2.service still runs as main PID "+pid2+" (before: "+pid2+")")
	assert.Contains(t, text, "active instances of app@.service: app@v2.service\n")
	assert.Contains(t, text,
		"cleaning up: stopped app@v2.service; removed /run/systemd/system/app@.service")

	// Nothing is left behind.
	_, err = os.Stat("/run/systemd/system/app@.service")
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, "inactive", testbed.Show(t, "app@v2.service", "ActiveState"))
}

// An app@.service that is not the example's own is left alone: the example
// stops before it writes or starts anything.
func TestRolloutLeavesAnotherTemplateAlone(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	testbed.WriteUnit(t, "app@.service", "[Service]\nExecStart=/bin/sleep infinity\n")

	var out bytes.Buffer
	err := run(ctx, &out, testbed.HelperCommand("serve"))

	require.EqualError(t, err, "app@.service already exists, in /etc/systemd/system/app@.service; "+
		"this example leaves it alone")
	assert.Empty(t, out.String())
	assert.FileExists(t, "/etc/systemd/system/app@.service")
	assert.NoFileExists(t, "/run/systemd/system/app@.service")
}

func TestExecLineQuotes(t *testing.T) {
	got := execLine([]string{"/opt/my app/bin", "-x", "100%", "$HOME", `say "hi"`})
	assert.Equal(t, `"/opt/my app/bin" -x 100%% $$HOME "say \"hi\""`, got)
}

// find returns the first submatch of pattern in text, failing the test when
// there is none.
func find(t *testing.T, text, pattern string) string {
	t.Helper()

	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	require.NotNil(t, m, "no match for %q", pattern)
	return m[1]
}
