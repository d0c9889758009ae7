package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestExecShowsWhereEachRunLands(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out))
	text := out.String()
	t.Log(text)

	self := regexp.MustCompile(`this program: pid (\d+), uid 0, cgroup (/\S+)`).
		FindStringSubmatch(text)
	require.NotNil(t, self, "no line about this program")
	assert.Equal(t, strconv.Itoa(os.Getpid()), self[1])
	ours := regexp.QuoteMeta(self[2])

	// os/exec: a child of the test, in the test's cgroup.
	assert.Regexp(t, `1\. exec\.Command: .*\n   pid \d+, parent `+self[1]+` \(this program\), uid 0\n`+
		`   cgroup `+ours+`, the same as this program's\n`, text)

	// run.Command: a child of systemd, in a cgroup named after its unit.
	unitRun := regexp.MustCompile(
		`2\. run\.Command: the transient service (run-gostemd-[0-9a-f]+\.service)\n` +
			`   pid \d+, parent 1 \(systemd\), uid 0\n` +
			`   cgroup /system\.slice/(\S+), a cgroup of its own\n`).FindStringSubmatch(text)
	if assert.NotNil(t, unitRun, "run.Command's run is not described as expected") {
		assert.Equal(t, unitRun[1], unitRun[2], "the cgroup is not the unit's")
	}

	// User "nobody" is uid 65534 on Debian.
	assert.Regexp(t, `3\. run\.Command with User "nobody": `+
		`the transient service run-gostemd-[0-9a-f]+\.service\n`+
		`   pid \d+, parent 1 \(systemd\), uid 65534\n`, text)
}
