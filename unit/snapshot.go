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
	common, own, err := u.getBoth(ctx)
	if bus.Lost(err) {
		// The connection dropped with calls in flight: ask again in
		// turn, each call sent again across a reconnect.
		common, own, err = u.getInTurn(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot of unit %s: %w", u.name, err)
	}

	s, err := u.decodeSnapshot(common, own)
	if err != nil {
		return nil, fmt.Errorf("read snapshot of unit %s: %w", u.name, err)
	}
	return s, nil
}

// kind is how a type's properties are read into a Snapshot.
type kind struct {
	iface  string
	decode func(*Snapshot, properties) error
}

// snapshotKinds are the types with typed properties.
var snapshotKinds = map[Type]kind{
	TypeService: {bus.ServiceInterface, func(s *Snapshot, p properties) (err error) {
		s.Service, err = decodeService(p)
		return err
	}},
	TypeSocket: {bus.SocketInterface, func(s *Snapshot, p properties) (err error) {
		s.Socket, err = decodeSocket(p)
		return err
	}},
	TypeTimer: {bus.TimerInterface, func(s *Snapshot, p properties) (err error) {
		s.Timer, err = decodeTimer(p)
		return err
	}},
	TypeScope: {bus.ScopeInterface, func(s *Snapshot, p properties) (err error) {
		s.Scope, err = decodeScope(p)
		return err
	}},
	TypeSlice: {bus.SliceInterface, func(s *Snapshot, p properties) (err error) {
		s.Slice, err = decodeSlice(p)
		return err
	}},
	TypeMount: {bus.MountInterface, func(s *Snapshot, p properties) (err error) {
		s.Mount, err = decodeMount(p)
		return err
	}},
	TypePath: {bus.PathInterface, func(s *Snapshot, p properties) (err error) {
		s.Path, err = decodePath(p)
		return err
	}},
}

// kind returns how the unit's type properties are read, false for a type
// without them.
func (u *Unit) kind() (kind, bool) {
	n, err := ParseName(u.name)
	if err != nil {
		return kind{}, false
	}
	k, ok := snapshotKinds[n.Type()]
	return k, ok
}

// getBoth sends the GetAll of the Unit interface and that of the unit's
// type at once, and waits for both.
func (u *Unit) getBoth(ctx context.Context) (common, own properties, err error) {
	p, err := u.objectPath(ctx)
	if err != nil {
		return nil, nil, err
	}

	conn := u.c.Conn
	first := conn.Send(ctx, p, bus.PropertiesInterface, "GetAll", bus.UnitInterface)
	k, typed := u.kind()
	var second *bus.Pending
	if typed {
		second = conn.Send(ctx, p, bus.PropertiesInterface, "GetAll", k.iface)
	}

	if err := first.Reply().Store(&common); err != nil {
		return nil, nil, fmt.Errorf("get %s properties of %s: %w", bus.UnitInterface, p, err)
	}
	if !typed {
		return common, nil, nil
	}
	if err := second.Reply().Store(&own); err != nil {
		return nil, nil, fmt.Errorf("get %s properties of %s: %w", k.iface, p, err)
	}
	return common, own, nil
}

// getInTurn reads what getBoth does, one call after the other.
func (u *Unit) getInTurn(ctx context.Context) (common, own properties, err error) {
	if common, err = u.getAll(ctx, bus.UnitInterface); err != nil {
		return nil, nil, err
	}
	if k, typed := u.kind(); typed {
		if own, err = u.getAll(ctx, k.iface); err != nil {
			return nil, nil, err
		}
	}
	return common, own, nil
}

func (u *Unit) decodeSnapshot(common, own properties) (*Snapshot, error) {
	var s Snapshot
	var err error
	if s.Unit, err = decodeProperties(common); err != nil {
		return nil, err
	}

	if k, typed := u.kind(); typed {
		if err := k.decode(&s, own); err != nil {
			return nil, err
		}
	}
	return &s, nil
}
