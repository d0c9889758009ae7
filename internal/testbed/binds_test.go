package testbed

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnsafeBind(t *testing.T) {
	for path, unsafe := range map[string]bool{
		"/":                  true,
		"/tmp":               true,
		"/tmp/":              true,
		"/var":               true,
		"/var/tmp":           true,
		"/run":               true,
		"/dev/shm":           true,
		"/tmp/go-build1/b01": false,
		"/tmp/gostemd":       false,
		"/home/someone/src":  false,
		"/var/cache/gostemd": false,
		"/usr/local/bin":     false,
	} {
		assert.Equal(t, unsafe, unsafeBind(path), path)
	}
}

func TestCheckBindsNamesTheBind(t *testing.T) {
	err := checkBinds([]string{"/srv/project", "/tmp"})
	require.ErrorIs(t, err, ErrUnsafeBind)
	assert.Contains(t, err.Error(), "bind /tmp:")
	assert.NoError(t, checkBinds([]string{"/srv/project", "/tmp/go-build1/b01"}))
}

func TestStageProgram(t *testing.T) {
	t.Run("safe directory", func(t *testing.T) {
		exe := filepath.Join(t.TempDir(), "prog")
		require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755))

		path, remove, err := StageProgram(exe)
		require.NoError(t, err)
		defer remove()
		assert.Equal(t, exe, path)
	})

	t.Run("directory emptied at boot", func(t *testing.T) {
		f, err := os.CreateTemp("/tmp", "gostemd-stage-*")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		defer os.Remove(f.Name())

		path, remove, err := StageProgram(f.Name())
		require.NoError(t, err)
		assert.NotEqual(t, f.Name(), path)
		assert.False(t, unsafeBind(filepath.Dir(path)), "staged in %s", path)
		same, err := sameFile(f.Name(), path)
		require.NoError(t, err)
		assert.True(t, same, "the staged program is the program")

		remove()
		assert.NoDirExists(t, filepath.Dir(path))
		assert.FileExists(t, f.Name())
	})
}

func sameFile(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}
