package testbed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// emptiedAtBoot lists directories that the booted systemd empties, or
// mounts over, as it starts: Debian's tmpfiles.d has "D /tmp", and /run and
// the lock and shared memory directories are made afresh. Bound into the
// container, such a directory would have its host contents removed.
var emptiedAtBoot = []string{"/tmp", "/var/tmp", "/run", "/var/run", "/var/lock", "/run/lock", "/dev/shm"}

// ErrUnsafeBind is returned by Boot for a bind that the booted systemd
// would empty: one of emptiedAtBoot, or a directory above one.
var ErrUnsafeBind = errors.New("binding this directory would let the container's systemd empty it")

// checkBinds refuses binds that boot would empty. A directory below one of
// them is safe: systemd-tmpfiles does not descend into mount points, and a
// bind is one.
func checkBinds(binds []string) error {
	for _, b := range binds {
		if unsafeBind(b) {
			return fmt.Errorf("bind %s: %w", b, ErrUnsafeBind)
		}
	}
	return nil
}

func unsafeBind(path string) bool {
	p, err := filepath.Abs(path)
	if err != nil {
		return true
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	for _, d := range emptiedAtBoot {
		if within(d, p) {
			return true
		}
	}
	return false
}

// StageProgram returns a path under which the program at exe can be bound
// into a container (Options.Binds holding its directory): exe itself when its directory is safe to bind, else a
// link to it, or a copy, in a new directory of its own. remove deletes what
// was made.
func StageProgram(exe string) (path string, remove func(), err error) {
	if !unsafeBind(filepath.Dir(exe)) {
		return exe, func() {}, nil
	}

	dir, err := os.MkdirTemp("", "gostemd-testbed-")
	if err != nil {
		return "", nil, fmt.Errorf("stage %s: %w", exe, err)
	}
	remove = func() { _ = os.RemoveAll(dir) }

	path = filepath.Join(dir, filepath.Base(exe))
	if err := os.Link(exe, path); err != nil {
		err = copyFile(exe, path)
		if err != nil {
			remove()
			return "", nil, fmt.Errorf("stage %s: %w", exe, err)
		}
	}
	return path, remove, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()

	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
