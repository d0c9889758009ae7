package unit

import (
	"context"
	"fmt"

	"github.com/gostemd/gostemd/internal/bus"
)

// Snapshot is everything the typed properties tell of a unit: what every
// unit has, and what its type has. It is what systemctl show prints.
type Snapshot struct {
	Unit *Properties

	// The properties of the unit's type: the field of its type is set, the
	// others are nil. Types without typed properties here (target, device,
	// automount, swap) have none set.
	Service *ServiceProperties
	Socket  *SocketProperties
	Timer   *TimerProperties
	Scope   *ScopeProperties
	Slice   *SliceProperties
	Mount   *MountProperties
	Path    *PathProperties
}

// Snapshot reads the unit's Properties and those of its type in one round
// trip: both GetAll calls go at once, where Properties followed by Service,
// say, waits for the first answer before asking the second question.
func (u *Unit) Snapshot(ctx context.Context) (*Snapshot, error) {
	k := u.kind()
	common, own, err := u.getBoth(ctx, k)
	if bus.Lost(err) {
		// The connection dropped with calls in flight: ask again in
		// turn, each call sent again across a reconnect.
		common, own, err = u.getInTurn(ctx, k)
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot of unit %s: %w", u.name, err)
	}

	s, err := decodeSnapshot(k, common, own)
	if err != nil {
		return nil, fmt.Errorf("read snapshot of unit %s: %w", u.name, err)
	}
	return s, nil
}

// kind is how a unit type's properties are read into a Snapshot: from
// which interface, into which field. The zero kind is that of a type
// without typed properties.
type kind struct {
	iface  string
	decode func(*Snapshot, properties) error
}

// snapshotDecoders fill the Snapshot field of each type with typed
// properties.
var snapshotDecoders = map[Type]func(*Snapshot, properties) error{
	TypeService: func(s *Snapshot, p properties) (err error) {
		s.Service, err = decodeService(p)
		return err
	},
	TypeSocket: func(s *Snapshot, p properties) (err error) {
		s.Socket, err = decodeSocket(p)
		return err
	},
	TypeTimer: func(s *Snapshot, p properties) (err error) {
		s.Timer, err = decodeTimer(p)
		return err
	},
	TypeScope: func(s *Snapshot, p properties) (err error) {
		s.Scope, err = decodeScope(p)
		return err
	},
	TypeSlice: func(s *Snapshot, p properties) (err error) {
		s.Slice, err = decodeSlice(p)
		return err
	},
	TypeMount: func(s *Snapshot, p properties) (err error) {
		s.Mount, err = decodeMount(p)
		return err
	},
	TypePath: func(s *Snapshot, p properties) (err error) {
		s.Path, err = decodePath(p)
		return err
	},
}

// kind returns how the unit's type properties are read.
func (u *Unit) kind() kind {
	n, err := ParseName(u.name)
	if err != nil {
		return kind{}
	}
	decode, ok := snapshotDecoders[n.Type()]
	if !ok {
		return kind{}
	}
	return kind{iface: typeInterfaces[n.Type()], decode: decode}
}

// getBoth sends the GetAll of the Unit interface and that of the unit's
// type at once, and waits for both.
func (u *Unit) getBoth(ctx context.Context, k kind) (common, own properties, err error) {
	p, err := u.objectPath(ctx)
	if err != nil {
		return nil, nil, err
	}

	conn := u.c.Conn
	first := conn.Send(ctx, p, bus.PropertiesInterface, "GetAll", bus.UnitInterface)
	var second *bus.Pending
	if k.decode != nil {
		second = conn.Send(ctx, p, bus.PropertiesInterface, "GetAll", k.iface)
	}

	if err := first.Reply().Store(&common); err != nil {
		return nil, nil, fmt.Errorf("get %s properties of %s: %w", bus.UnitInterface, p, err)
	}
	if second == nil {
		return common, nil, nil
	}
	if err := second.Reply().Store(&own); err != nil {
		return nil, nil, fmt.Errorf("get %s properties of %s: %w", k.iface, p, err)
	}
	return common, own, nil
}

// getInTurn reads what getBoth does, one call after the other.
func (u *Unit) getInTurn(ctx context.Context, k kind) (common, own properties, err error) {
	if common, err = u.getAll(ctx, bus.UnitInterface); err != nil {
		return nil, nil, err
	}
	if k.decode != nil {
		if own, err = u.getAll(ctx, k.iface); err != nil {
			return nil, nil, err
		}
	}
	return common, own, nil
}

func decodeSnapshot(k kind, common, own properties) (*Snapshot, error) {
	var s Snapshot
	var err error
	if s.Unit, err = decodeProperties(common); err != nil {
		return nil, err
	}

	if k.decode != nil {
		if err := k.decode(&s, own); err != nil {
			return nil, err
		}
	}
	return &s, nil
}
