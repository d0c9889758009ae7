package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestLimitsAreEnforced(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out))
	text := out.String()
	t.Log(text)

	// The quota's share: loose bounds, for a machine busy with other tests
	// (systemd enforces the quota per 100 ms period, so a little more than
	// 20% shows). The share without a quota depends on the machine's load
	// and is not checked.
	m := regexp.MustCompile(`with CPUQuota=20%: +([\d.]+)s of CPU time, (\d+)% of one CPU`).
		FindStringSubmatch(text)
	require.NotNil(t, m, "no line for the busy loop under the quota")
	share, err := strconv.Atoi(m[2])
	require.NoError(t, err)
	assert.Less(t, share, 35, "the loop got more than the quota")
	assert.Greater(t, share, 2, "the loop got next to no CPU time")
	assert.Regexp(t, `without a quota: +[\d.]+s of CPU time, \d+% of one CPU\n`, text)

	// dd is killed: by a bare SIGKILL on cgroup v1, as an OOM kill on v2.
	assert.Regexp(t, `without a limit: +Run returned nil; systemd's result: success\n`, text)
	assert.Regexp(t, `with MemoryMax=10M: +Run returned \*run\.ExitError `+
		`"signal: killed( \(unit result: oom-kill\))?"; systemd's result: (signal|oom-kill)\n`, text)

	// sh, with four children, is five tasks: the fifth fork fails.
	assert.Regexp(t, `without a limit: +started 10; Run returned nil\n`, text)
	assert.Regexp(t, `with TasksMax=5: +started [1-4], then "sh: \d+: Cannot fork"; `+
		`Run returned \*run\.ExitError "exit status 2"\n`, text)
}
