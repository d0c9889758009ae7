package manager_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func TestIntegrationLinkUnitFile(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	dir := t.TempDir()
	file := filepath.Join(dir, "gostemd-linked.service")
	require.NoError(t, os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644))

	changes, err := m.LinkUnitFiles(ctx, []string{file}, &manager.FileOptions{Runtime: true})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = m.StopUnit(ctx, "gostemd-linked.service", "")
		_ = os.Remove("/run/systemd/system/gostemd-linked.service")
		_ = m.Reload(ctx)
	})
	assert.Equal(t, []manager.FileChange{{
		Type: "symlink", Path: "/run/systemd/system/gostemd-linked.service", Destination: file,
	}}, changes)
	require.NoError(t, m.Reload(ctx))

	state, err := m.UnitFileState(ctx, "gostemd-linked.service")
	require.NoError(t, err)
	assert.Equal(t, unit.FileLinkedRuntime, state)

	job, err := m.StartUnit(ctx, "gostemd-linked.service", "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))
}

func TestIntegrationPresetUnitFile(t *testing.T) {
	testbed.Require(t)
	ctx := testContext(t)
	m := connect(t, nil)

	const name = "gostemd-preset.service"
	testbed.WriteUnit(t, name,
		"[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n")

	presets := "/etc/systemd/system-preset/10-gostemd.preset"
	require.NoError(t, os.MkdirAll(filepath.Dir(presets), 0o755))
	require.NoError(t, os.WriteFile(presets, []byte("enable "+name+"\n"), 0o644))
	t.Cleanup(func() {
		_ = os.Remove(presets)
		_, _ = m.DisableUnitFiles(ctx, []string{name}, nil)
	})

	changes, err := m.PresetUnitFiles(ctx, []string{name}, nil)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	assert.Equal(t, "symlink", changes[0].Type)

	state, err := m.UnitFileState(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, unit.FileEnabled, state)
}

// TestIntegrationUserManager drives a user's manager through its private
// socket, which root may use.
func TestIntegrationUserManager(t *testing.T) {
	sys := testbed.Require(t)
	if !sys.Throwaway {
		t.Skip("creates a user account: only done in a throwaway test bed")
	}
	ctx := testContext(t)

	const uid = "4711"
	if err := exec.Command("id", "gostemd-user").Run(); err != nil {
		out, err := exec.Command("useradd", "-m", "-u", uid, "gostemd-user").CombinedOutput()
		require.NoError(t, err, "useradd: %s", out)
	}
	testbed.Systemctl(t, "start", "user@"+uid+".service")
	t.Cleanup(func() { testbed.Systemctl(t, "stop", "user@"+uid+".service") })

	unitDir := "/home/gostemd-user/.config/systemd/user"
	require.NoError(t, os.MkdirAll(unitDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(unitDir, "gostemd-mine.service"),
		[]byte("[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"), 0o644))

	m := connect(t, &manager.Options{
		Address: "unix:path=/run/user/" + uid + "/systemd/private", Peer: true,
	})
	require.NoError(t, m.Reload(ctx))

	props, err := m.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/user.slice/user-"+uid+".slice/user@"+uid+".service", props.ControlGroup)

	u, err := m.LoadUnit(ctx, "gostemd-mine.service")
	require.NoError(t, err)
	job, err := u.Start(ctx, "")
	require.NoError(t, err)
	require.NoError(t, job.Wait(ctx))

	svc, err := u.Service(ctx)
	require.NoError(t, err)
	assert.Equal(t, unit.ResultSuccess, svc.Result)
	assert.Equal(t, unit.CodeExited, svc.ExecMainCode)
}
