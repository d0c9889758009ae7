package watch_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
)

// TestIntegrationStateMatchesShow compares the state a Watcher reads with
// what systemctl show reports, for units of several types, running,
// failed and never started.
func TestIntegrationStateMatchesShow(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)

	running := "gostemd-watch-show-run.service"
	testbed.WriteUnit(t, running, "[Service]\nType=notify\nNotifyAccess=all\n"+
		"ExecStart=/bin/sh -c 'systemd-notify --ready --status=\"serving 3\"; exec sleep 1000'\n")
	failed := "gostemd-watch-show-fail.service"
	testbed.WriteUnit(t, failed, "[Service]\nExecStart=/bin/sh -c 'exit 3'\n")
	socket := "gostemd-watch-show.socket"
	testbed.WriteUnit(t, socket, "[Socket]\nListenStream=/run/gostemd-watch-show.sock\n")
	testbed.WriteUnit(t, "gostemd-watch-show.service", "[Service]\nExecStart=/bin/true\n")
	timer := "gostemd-watch-show.timer"
	testbed.WriteUnit(t, timer, "[Timer]\nOnActiveSec=1h\nUnit=gostemd-watch-show-fail.service\n")

	for _, name := range []string{running, failed, socket, timer} {
		finished(t)(m.StartUnit(ctx, name, ""))
	}
	u, err := m.LoadUnit(ctx, failed)
	require.NoError(t, err)
	_, err = watch.Until(ctx, u, func(s watch.State) bool { return s.ActiveState == unit.Failed })
	require.NoError(t, err)

	names := []string{running, failed, socket, timer, "multi-user.target", "-.slice"}
	w := watchUnits(t, m, &watch.Options{Units: names})
	for _, s := range initial(t, w).States {
		assert.Equal(t, shownState(t, s.Unit), s, s.Unit)
	}
}

// shownState builds a State from systemctl show.
func shownState(t *testing.T, name string) watch.State {
	t.Helper()

	props := map[string]string{}
	out := testbed.Systemctl(t, "show", "-p", "LoadState,ActiveState,SubState,Result,"+
		"InvocationID,Job,MainPID,ControlPID,ExecMainCode,ExecMainStatus,StatusText,StatusErrno,NRestarts",
		"--", name)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		props[k] = v
	}

	s := watch.State{
		Unit:        name,
		LoadState:   unit.LoadState(props["LoadState"]),
		ActiveState: unit.ActiveState(props["ActiveState"]),
		SubState:    props["SubState"],
		Result:      unit.Result(props["Result"]),
		StatusText:  props["StatusText"],
	}
	if id := props["InvocationID"]; id != "" {
		parsed, err := unit.ParseInvocationID(id)
		require.NoError(t, err)
		s.InvocationID = parsed
	}
	s.JobID = uint32(atoi(t, props["Job"]))
	s.MainPID = uint32(atoi(t, props["MainPID"]))
	s.ControlPID = uint32(atoi(t, props["ControlPID"]))
	s.ExecMainCode = unit.ExitCode(atoi(t, props["ExecMainCode"]))
	s.ExecMainStatus = int32(atoi(t, props["ExecMainStatus"]))
	s.StatusErrno = int32(atoi(t, props["StatusErrno"]))
	s.NRestarts = uint32(atoi(t, props["NRestarts"]))
	return s
}

// atoi reads a number systemctl show printed; empty, as for a property the
// unit's type lacks, is zero.
func atoi(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, fmt.Sprintf("%q", s))
	return n
}
