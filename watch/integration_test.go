package watch_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/unit"
	"github.com/gostemd/gostemd/watch"
)

// notifier reports two statuses, so StatusText changes while it runs.
const notifier = "[Service]\nType=notify\nNotifyAccess=all\n" +
	"ExecStart=/bin/sh -c 'systemd-notify --ready --status=hello; " +
	"while [ ! -e /run/gostemd-watch-bye ]; do sleep 0.1; done; " +
	"systemd-notify --status=bye; exec sleep 1000'\n"

func TestIntegrationServiceChanges(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t)
	name := "gostemd-watch-svc.service"
	testbed.WriteUnit(t, name, notifier)
	t.Cleanup(func() { _ = exec.Command("rm", "-f", "/run/gostemd-watch-bye").Run() })

	w := watchUnits(t, m, &watch.Options{Units: []string{name}})
	r := initial(t, w)
	require.Len(t, r.States, 1)
	assert.Equal(t, name, r.States[0].Unit)
	assert.Equal(t, unit.Inactive, r.States[0].ActiveState)

	job := finished(t)(m.StartUnit(ctx, name, ""))

	e, before := await(t, w, reaches(name, "active"))
	active, _ := stateOf(e, name)
	assert.NotZero(t, active.MainPID)
	assert.Contains(t, before, watch.JobStarted{Unit: name, ID: job.ID()})

	// systemd may apply READY=1 and STATUS= of one message in two steps.
	if active.StatusText != "hello" {
		var skipped []watch.Event
		e, skipped = await(t, w, statusIs(name, "hello"))
		before = append(before, skipped...)
		assert.Contains(t, e.(watch.Changed).Fields, watch.FieldStatusText)
	}

	require.NoError(t, exec.Command("touch", "/run/gostemd-watch-bye").Run())
	e, skipped := await(t, w, statusIs(name, "bye"))
	before = append(before, skipped...)
	bye := e.(watch.Changed)
	assert.Contains(t, bye.Fields, watch.FieldStatusText)
	assert.NotContains(t, bye.Fields, watch.FieldMainPID)
	assert.Equal(t, active.MainPID, bye.State.MainPID)

	testbed.Systemctl(t, "kill", "-s", "KILL", name)
	e, between := await(t, w, reaches(name, "failed"))
	failed := e.(watch.Changed)
	assert.Contains(t, failed.Fields, watch.FieldActiveState)
	assert.Equal(t, unit.ResultSignal, failed.State.Result)
	assert.Equal(t, unit.CodeKilled, failed.State.ExecMainCode)
	assert.Equal(t, int32(9), failed.State.ExecMainStatus)
	assert.Zero(t, failed.State.MainPID)
	testbed.Systemctl(t, "reset-failed", name)

	all := append(before, between...)
	assert.Contains(t, all, watch.JobFinished{Unit: name, ID: job.ID(), Result: unit.JobDone})
}

// statusIs matches a Changed event of the unit with that StatusText.
func statusIs(name, text string) func(watch.Event) bool {
	return func(e watch.Event) bool {
		c, ok := e.(watch.Changed)
		return ok && c.Unit == name && c.State.StatusText == text
	}
}

func TestIntegrationAddedRemoved(t *testing.T) {
	testbed.Require(t)
	m := connect(t)
	name := "gostemd-watch-transient.service"

	named := watchUnits(t, m, &watch.Options{Units: []string{name}})
	r := initial(t, named)
	require.Len(t, r.States, 1)
	assert.False(t, r.States[0].Loaded())

	all := watchUnits(t, m, nil)
	initial(t, all)

	out, err := exec.Command("systemd-run", "--wait", "--collect", "--unit="+name, "/bin/true").
		CombinedOutput()
	require.NoError(t, err, "%s", out)

	for _, w := range []*watch.Watcher{named, all} {
		e, before := await(t, w, func(e watch.Event) bool {
			a, ok := e.(watch.Added)
			return ok && a.Unit == name
		})
		assert.Equal(t, unit.LoadLoaded, e.(watch.Added).State.LoadState, "%#v\nbefore: %#v", e, before)

		_, between := await(t, w, func(e watch.Event) bool {
			r, ok := e.(watch.Removed)
			return ok && r.Unit == name
		})
		assert.Contains(t, between, watch.JobStarted{Unit: name, ID: jobID(between, name)})
	}
}

// jobID returns the ID of the first job started for the unit.
func jobID(events []watch.Event, name string) uint32 {
	for _, e := range events {
		if j, ok := e.(watch.JobStarted); ok && j.Unit == name {
			return j.ID
		}
	}
	return 0
}
