package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestSandboxShowsWhatEachPropertyHides(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out))
	text := out.String()
	t.Log(text)

	for _, want := range []string{
		`PrivateTmp=true +the unit reading DIR/ours\.txt: No such file or directory; ` +
			`DIR/theirs\.txt, which it wrote, is not in our DIR\n`,
		`ProtectHome=yes +/root holds [1-9]\d* entries for us \(one is gostemd-sandbox-\d+\.txt\), ` +
			`0 for the unit\n`,
		`ProtectSystem=strict +the unit writing /etc: Read-only file system; ` +
			`writing /usr: Read-only file system; writing /var: Read-only file system\n`,
		`ReadOnlyPaths=DIR/read-only +the unit reading note\.txt: ok; ` +
			`writing new\.txt: Read-only file system\n`,
		`InaccessiblePaths=DIR/hidden +the unit reading secret\.txt: ` +
			`(No such file or directory|Permission denied); listing DIR/hidden: 0 entries\n`,
		`BindPaths=DIR/data:/mnt +the unit lists /mnt: note\.txt, and writes reply\.txt there; ` +
			`DIR/data now holds: note\.txt reply\.txt\n`,
		`TemporaryFileSystem=DIR/cache +the unit finds 0 entries in DIR/cache and writes ` +
			`scratch\.txt there; DIR/cache still holds: note\.txt\n`,
	} {
		assert.Regexp(t, want, text)
	}

	// The demo leaves nothing behind.
	dir := regexp.MustCompile(`DIR is (/tmp/gostemd-sandbox-\d+),`).FindStringSubmatch(text)
	require.NotNil(t, dir)
	assert.NoDirExists(t, dir[1])
	assert.NoFileExists(t, filepath.Join("/root", filepath.Base(dir[1])+".txt"))
	_, err := os.Stat("/mnt/reply.txt")
	assert.True(t, os.IsNotExist(err), "the unit's bind mount leaked into our /mnt")
}
