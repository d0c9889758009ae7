package manager

import (
	"context"
	"fmt"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/unit"
)

// UnitFile is an installed unit file, as ListUnitFiles returns it.
type UnitFile struct {
	Path  string
	State unit.UnitFileState
}

// ListUnitFiles lists the unit files systemd finds on disk, as systemctl
// list-unit-files does. opts.States filters by unit file state ("enabled",
// "masked", ...), opts.Patterns by name; nil lists all.
func (m *Manager) ListUnitFiles(ctx context.Context, opts *ListOptions) ([]UnitFile, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}

	var raw []bus.UnitFile
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.ListUnitFilesByPatterns,
		nonNil(o.States), nonNil(o.Patterns)).Store(&raw)
	if err != nil {
		return nil, fmt.Errorf("list unit files: %w", err)
	}

	files := make([]UnitFile, len(raw))
	for i, r := range raw {
		files[i] = UnitFile{Path: r.Path, State: unit.UnitFileState(r.State)}
	}
	return files, nil
}

// UnitFileState returns whether and how the named unit's file is enabled.
func (m *Manager) UnitFileState(ctx context.Context, name string) (unit.UnitFileState, error) {
	var s string
	err := m.c.Conn.Query(ctx, bus.ManagerPath, bus.ManagerInterface, bus.GetUnitFileState,
		name).Store(&s)
	if err != nil {
		return "", fmt.Errorf("get unit file state of %s: %w", name, err)
	}
	return unit.UnitFileState(s), nil
}

// FileOptions say how the unit file methods change things. A nil
// *FileOptions is the zero value.
type FileOptions struct {
	// Runtime makes the change under /run, gone after a reboot. False, the
	// default, changes /etc.
	Runtime bool

	// Force replaces symlinks that are in the way. False, the default,
	// fails on them. Disable and Unmask ignore it.
	Force bool
}

// FileChange is one change systemd made to the file system.
type FileChange struct {
	Type        string // "symlink" or "unlink"
	Path        string // the symlink made or removed
	Destination string // what a new symlink points to
}

// EnableUnitFiles enables units as systemctl enable does, by their names or
// the paths of their files. Like systemctl, it does not reload the manager:
// call Reload afterwards.
func (m *Manager) EnableUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "enable", bus.EnableUnitFiles, true, true, files, opts)
}

// DisableUnitFiles disables units as systemctl disable does.
func (m *Manager) DisableUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "disable", bus.DisableUnitFiles, false, false, files, opts)
}

// MaskUnitFiles masks units as systemctl mask does: they can then not be
// started at all, and starting them fails with gostemd.ErrUnitMasked.
func (m *Manager) MaskUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "mask", bus.MaskUnitFiles, true, false, files, opts)
}

// UnmaskUnitFiles undoes MaskUnitFiles.
func (m *Manager) UnmaskUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "unmask", bus.UnmaskUnitFiles, false, false, files, opts)
}

// LinkUnitFiles makes unit files outside the search path known to systemd,
// as systemctl link does; files are absolute paths.
func (m *Manager) LinkUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "link", bus.LinkUnitFiles, true, false, files, opts)
}

// PresetUnitFiles enables or disables units as the preset policy says, as
// systemctl preset does.
func (m *Manager) PresetUnitFiles(ctx context.Context, files []string, opts *FileOptions,
) ([]FileChange, error) {
	return m.changeFiles(ctx, "preset", bus.PresetUnitFiles, true, true, files, opts)
}

// changeFiles calls one of the unit file methods. They all take the files
// and the runtime flag; some take force, and some return whether the units
// had [Install] information before the changes.
func (m *Manager) changeFiles(ctx context.Context, op, method string, force, installInfo bool,
	files []string, opts *FileOptions,
) ([]FileChange, error) {
	var o FileOptions
	if opts != nil {
		o = *opts
	}

	args := []any{nonNil(files), o.Runtime}
	if force {
		args = append(args, o.Force)
	}

	var (
		raw  []bus.UnitFileChange
		info bool
	)
	reply := m.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, method, args...)
	err := reply.Err
	if err == nil && installInfo {
		err = reply.Store(&info, &raw)
	} else if err == nil {
		err = reply.Store(&raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%s unit files %s: %w", op, strings.Join(files, ", "), err)
	}

	changes := make([]FileChange, len(raw))
	for i, r := range raw {
		changes[i] = FileChange{Type: r.Type, Path: r.Filename, Destination: r.Destination}
	}
	return changes, nil
}
