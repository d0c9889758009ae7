package manager

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
	"github.com/gostemd/gostemd/internal/property"
	"github.com/gostemd/gostemd/unit"
)

// SetUnitProperties changes settings of a loaded unit at runtime, as
// systemctl set-property does, with the settings written as on its command
// line: "MemoryMax=64M", "CPUQuota=20%", "TasksMax=50". They are converted
// to the D-Bus types systemd expects, and one that does not parse is
// refused before anything is sent, in an error that names it. For values
// already in Go types, see unit.Unit.SetProperties.
func (m *Manager) SetUnitProperties(ctx context.Context, name string, opts *unit.SetOptions,
	assignments ...string,
) error {
	runtime := opts != nil && opts.Runtime

	wire, err := parseAssignments(assignments)
	if err != nil {
		return fmt.Errorf("set properties of unit %s: %w", name, err)
	}

	err = m.c.Conn.Call(ctx, bus.ManagerPath, bus.ManagerInterface, bus.SetUnitProperties,
		name, runtime, wire).Err
	if err != nil {
		return fmt.Errorf("set properties of unit %s: %w", name, err)
	}
	return nil
}

// parseAssignments converts name=value assignments to D-Bus properties.
func parseAssignments(assignments []string) ([]bus.Property, error) {
	if len(assignments) == 0 {
		return nil, errors.New("no properties")
	}

	var wire []bus.Property
	for _, a := range assignments {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("assignment %q: want name=value", a)
		}

		props, err := property.Parse(name, value)
		if err != nil {
			return nil, fmt.Errorf("assignment %q: %w", a, err)
		}
		wire = append(wire, props...)
	}
	return wire, nil
}
