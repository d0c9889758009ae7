package testbed

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// wantedControllers are the cgroup v1 hierarchies a container gets a cgroup
// of its own in. memory, pids and cpu are the ones whose limits tests make
// real; name=systemd is where systemd tracks its units on a hybrid host.
var wantedControllers = []string{"name=systemd", "memory", "pids", "cpu", "cpuacct"}

// hierarchy is one mounted cgroup hierarchy: where it is mounted and which
// controllers (or name=) it carries. An empty controller list is cgroup2.
type hierarchy struct {
	mountPoint  string
	mountRoot   string
	controllers []string
	readOnly    bool
}

func (h hierarchy) unified() bool { return h.controllers == nil }

// parseMountinfo returns the cgroup hierarchies listed in a mountinfo file.
func parseMountinfo(path string) ([]hierarchy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	var hs []hierarchy
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if h, ok := parseMountinfoLine(sc.Text()); ok {
			hs = append(hs, h)
		}
	}
	return hs, sc.Err()
}

// parseMountinfoLine reads one line of proc(5)'s mountinfo format:
// "id parent maj:min root mountpoint options [optional...] - fstype source superoptions".
func parseMountinfoLine(line string) (hierarchy, bool) {
	before, after, ok := strings.Cut(line, " - ")
	if !ok {
		return hierarchy{}, false
	}
	fields, tail := strings.Fields(before), strings.Fields(after)
	if len(fields) < 6 || len(tail) < 3 {
		return hierarchy{}, false
	}

	h := hierarchy{
		mountRoot:  fields[3],
		mountPoint: fields[4],
		readOnly:   slices.Contains(strings.Split(fields[5], ","), "ro"),
	}
	switch tail[0] {
	case "cgroup2":
		return h, true
	case "cgroup":
		for _, opt := range strings.Split(tail[2], ",") {
			if isController(opt) {
				h.controllers = append(h.controllers, opt)
			}
		}
		return h, len(h.controllers) > 0
	}
	return hierarchy{}, false
}

// mountFlags are cgroup v1 super options that are not controllers.
var mountFlags = []string{"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"}

// isController tells controllers ("memory", "name=systemd") from flags and
// key=value settings among a cgroup v1 mount's super options.
func isController(opt string) bool {
	if strings.HasPrefix(opt, "name=") {
		return true
	}
	return !slices.Contains(mountFlags, opt) && !strings.Contains(opt, "=")
}

// ownCgroups maps each line of /proc/self/cgroup ("id:controllers:path") to
// the path of this process in that hierarchy, keyed by its controller list
// ("" for cgroup2).
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}

	paths := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 {
			paths[parts[1]] = parts[2]
		}
	}
	return paths, nil
}

// containerCgroups are the directories created for one container, one per
// hierarchy; the container's nspawn process is moved into all of them.
type containerCgroups struct {
	Dirs    []string
	Unified string
}

// createCgroups makes a cgroup named name below this process's own cgroup in the unified hierarchy and in each wanted v1 hierarchy, so two
// containers never share one and the container stays inside any limit the
// caller itself runs under.
func createCgroups(name string) (*containerCgroups, error) {
	hs, err := parseMountinfo("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read cgroup mounts: %w", err)
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, fmt.Errorf("read own cgroups: %w", err)
	}

	cg := &containerCgroups{}
	for _, h := range selectHierarchies(hs) {
		dir, err := cgroupDir(h, own, name)
		if err != nil {
			cg.remove()
			return nil, err
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			cg.remove()
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
		cg.Dirs = append(cg.Dirs, dir)
		if h.unified() {
			cg.Unified = dir
		}
	}
	if len(cg.Dirs) == 0 {
		return nil, errors.New("create cgroups: no cgroup hierarchy is mounted")
	}
	return cg, nil
}

// selectHierarchies keeps cgroup2 and the v1 hierarchies that carry a
// wanted controller, each mount once.
func selectHierarchies(hs []hierarchy) []hierarchy {
	var out []hierarchy
	seen := make(map[string]bool)
	for _, h := range hs {
		if seen[h.mountPoint] || !(h.unified() || carriesWanted(h)) {
			continue
		}
		seen[h.mountPoint] = true
		out = append(out, h)
	}
	return out
}

func carriesWanted(h hierarchy) bool {
	for _, c := range h.controllers {
		if slices.Contains(wantedControllers, c) {
			return true
		}
	}
	return false
}

// cgroupDir is where the container's cgroup goes in hierarchy h: this
// process's own cgroup there, translated through the mount's root.
func cgroupDir(h hierarchy, own map[string]string, name string) (string, error) {
	key := strings.Join(h.controllers, ",")
	path, ok := own[key]
	if !ok {
		return "", fmt.Errorf("find own cgroup in hierarchy %s (%s)", h.mountPoint, key)
	}

	rel, err := filepath.Rel(h.mountRoot, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = "."
	}
	return filepath.Join(h.mountPoint, rel, name), nil
}

// procsFiles lists the cgroup.procs files a process writes its PID into to
// join every cgroup of the container.
func (cg *containerCgroups) procsFiles() []string {
	files := make([]string, len(cg.Dirs))
	for i, d := range cg.Dirs {
		files[i] = filepath.Join(d, "cgroup.procs")
	}
	return files
}

// kill SIGKILLs every process left in the container's cgroups through the
// unified hierarchy's cgroup.kill, and waits until they are gone.
func (cg *containerCgroups) kill(timeout time.Duration) error {
	if cg.Unified == "" {
		return nil
	}

	err := os.WriteFile(filepath.Join(cg.Unified, "cgroup.kill"), []byte("1"), 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kill cgroup %s: %w", cg.Unified, err)
	}

	deadline := time.Now().Add(timeout)
	for populated(cg.Unified) {
		if time.Now().After(deadline) {
			return fmt.Errorf("kill cgroup %s: processes still there after %v", cg.Unified, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// populated reports whether a cgroup2 directory or any below it still has
// processes, from its cgroup.events file.
func populated(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return false
	}
	return strings.Contains(string(data), "populated 1")
}

// remove deletes the container's cgroups, deepest first: systemd inside
// created its own tree below them. Missing directories are not errors.
func (cg *containerCgroups) remove() error {
	var errs []error
	for _, top := range cg.Dirs {
		errs = append(errs, removeTree(top))
	}
	return errors.Join(errs...)
}

func removeTree(top string) error {
	var dirs []string
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list cgroup %s: %w", top, err)
	}

	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove cgroup: %w", err)
		}
	}
	return nil
}
