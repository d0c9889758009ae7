package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

// envPrograms names the directory with the example programs the tour runs.
// TestMain builds them before the test bed starts, since the container may
// have no Go toolchain, in the test binary's own directory, which the test
// bed makes visible inside; the test binary that runs inside inherits the
// variable and builds nothing.
const envPrograms = "GOSTEMD_TOUR_PROGRAMS"

func TestMain(m *testing.M) {
	if os.Getenv(envPrograms) == "" {
		dir, err := buildPrograms()
		if err != nil {
			fmt.Fprintf(os.Stderr, "tour test: %v\n", err)
			os.Exit(1)
		}
		os.Setenv(envPrograms, dir)
	}
	testbed.Main(m)
}

func buildPrograms() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(exe), "tour-programs")

	args := []string{"build", "-o", dir + "/"}
	for _, s := range steps {
		args = append(args, "github.com/gostemd/gostemd/examples/"+s.name)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the examples: %w\n%s", err, out)
	}
	return dir, nil
}

func TestTour(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var out bytes.Buffer
	err := run(ctx, &out, os.Getenv(envPrograms), steps)
	t.Log("\n" + out.String())
	require.NoError(t, err)
	text := out.String()

	for i, s := range steps {
		heading := fmt.Sprintf("\n=== %d/%d  %s: %s\n", i+1, len(steps), s.name, s.title)
		assert.Contains(t, text, heading)
	}
	assert.NotContains(t, text, "FAILED")
	assert.Contains(t, text, fmt.Sprintf("=== All %d examples ran, in ", len(steps)))

	// A line of each example of this directory's neighbours that this
	// package's authors wrote, indented under its heading.
	assert.Contains(t, text, "\n    job finished: done")
	assert.Contains(t, text, "\n    app@v2.service answers: hello from version v2, PID ")
	assert.Contains(t, text, "\n        unit:   failed (failed), result watchdog\n")
	assert.Contains(t, text, "\n        HTTP/1.1 200 OK\n")
}

// A failed step is reported, the tour goes on with the next one, and run
// fails at the end. This needs no systemd: the steps are shell scripts.
func TestFailedStepIsReported(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) {
		content := []byte("#!/bin/sh\n" + body + "\n")
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), content, 0o755))
	}
	script("bad", "echo partial; exit 3")
	script("good", "printf 'one\\n\\ntwo'")
	tour := []step{{"bad", "fails", "It fails."}, {"good", "works", "It works."}}

	var out bytes.Buffer
	err := run(context.Background(), &out, dir, tour)

	require.EqualError(t, err, "1 of 2 examples failed: bad")
	assert.Contains(t, out.String(), "\n    partial\n\n--- bad FAILED: exit status 3\n")
	assert.Contains(t, out.String(), "\n=== 2/2  good: works\n    It works.\n")
	assert.Contains(t, out.String(), "\n    one\n\n    two\n",
		"empty lines stay empty; a last line gets its newline")
}

func TestMissingProgramStopsTheTour(t *testing.T) {
	var out bytes.Buffer
	tour := []step{{"nowhere", "missing", "Not built."}}
	err := run(context.Background(), &out, t.TempDir(), tour)

	require.ErrorContains(t, err, "example programs missing from ")
	assert.ErrorContains(t, err, ": nowhere (build them with go build -o bin/ ./examples/...)")
	assert.Empty(t, out.String())
}

func TestWriteWrapped(t *testing.T) {
	var out bytes.Buffer
	writeWrapped(&out, strings.Repeat("word ", 30), "  ", 30)

	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		assert.LessOrEqual(t, len(line), 30, line)
		assert.True(t, strings.HasPrefix(line, "  word"), line)
	}
	assert.Equal(t, 30, strings.Count(out.String(), "word"))
}
