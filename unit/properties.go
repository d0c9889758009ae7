package unit

import (
	"context"
	"time"

	"github.com/gostemd/gostemd/internal/bus"
)

// Properties are the properties every unit has, those of systemd's
// org.freedesktop.systemd1.Unit interface that matter most. The D-Bus name
// of each is in its tag.
type Properties struct {
	ID          string        `dbus:"Id"`
	Names       []string      `dbus:"Names"`
	Following   string        `dbus:"Following"`
	Description string        `dbus:"Description"`
	LoadState   LoadState     `dbus:"LoadState"`
	ActiveState ActiveState   `dbus:"ActiveState"`
	SubState    string        `dbus:"SubState"`
	Freezer     FreezerState  `dbus:"FreezerState"` // systemd 246
	UnitFile    UnitFileState `dbus:"UnitFileState"`
	Preset      string        `dbus:"UnitFilePreset"`

	FragmentPath string   `dbus:"FragmentPath"`
	SourcePath   string   `dbus:"SourcePath"`
	DropInPaths  []string `dbus:"DropInPaths"`
	Transient    bool     `dbus:"Transient"`
	NeedReload   bool     `dbus:"NeedDaemonReload"`

	CanStart  bool `dbus:"CanStart"`
	CanStop   bool `dbus:"CanStop"`
	CanReload bool `dbus:"CanReload"`
	CanFreeze bool `dbus:"CanFreeze"` // systemd 246

	ConditionResult bool `dbus:"ConditionResult"`
	AssertResult    bool `dbus:"AssertResult"`

	// LoadError is why the unit could not be loaded, nil if it could.
	LoadError *LoadError `dbus:"-"`

	// InvocationID identifies the unit's current or last run.
	InvocationID InvocationID `dbus:"-"`

	// JobID is the unit's pending job, 0 if none.
	JobID uint32 `dbus:"-"`

	// Timestamps of state changes; the zero time means it has not
	// happened yet.
	StateChange    time.Time `dbus:"-"`
	InactiveExit   time.Time `dbus:"-"`
	ActiveEnter    time.Time `dbus:"-"`
	ActiveExit     time.Time `dbus:"-"`
	InactiveEnter  time.Time `dbus:"-"`
	ConditionCheck time.Time `dbus:"-"`

	Dependencies Dependencies

	// Absent lists the properties the running systemd does not have; their
	// fields are left zero.
	Absent []string
}

// Dependencies are a unit's relations to other units, each a list of unit
// names. See systemd.unit(5).
type Dependencies struct {
	Requires     []string `dbus:"Requires"`
	Requisite    []string `dbus:"Requisite"`
	Wants        []string `dbus:"Wants"`
	BindsTo      []string `dbus:"BindsTo"`
	PartOf       []string `dbus:"PartOf"`
	Upholds      []string `dbus:"Upholds"` // systemd 249
	RequiredBy   []string `dbus:"RequiredBy"`
	RequisiteOf  []string `dbus:"RequisiteOf"`
	WantedBy     []string `dbus:"WantedBy"`
	BoundBy      []string `dbus:"BoundBy"`
	ConsistsOf   []string `dbus:"ConsistsOf"`
	Conflicts    []string `dbus:"Conflicts"`
	ConflictedBy []string `dbus:"ConflictedBy"`
	Before       []string `dbus:"Before"`
	After        []string `dbus:"After"`
	Triggers     []string `dbus:"Triggers"`
	TriggeredBy  []string `dbus:"TriggeredBy"`
	OnFailure    []string `dbus:"OnFailure"`
	OnSuccess    []string `dbus:"OnSuccess"` // systemd 249
}

// LoadError is the error systemd met loading a unit.
type LoadError struct {
	Name    string // a D-Bus error name, such as org.freedesktop.systemd1.NoSuchUnit
	Message string
}

func (e *LoadError) Error() string {
	return e.Message + " (" + e.Name + ")"
}

// unitRaw holds the Unit properties that need converting.
type unitRaw struct {
	LoadError struct {
		Name    string
		Message string
	} `dbus:"LoadError"`
	InvocationID   []byte `dbus:"InvocationID"`
	StateChange    uint64 `dbus:"StateChangeTimestamp"`
	InactiveExit   uint64 `dbus:"InactiveExitTimestamp"`
	ActiveEnter    uint64 `dbus:"ActiveEnterTimestamp"`
	ActiveExit     uint64 `dbus:"ActiveExitTimestamp"`
	InactiveEnter  uint64 `dbus:"InactiveEnterTimestamp"`
	ConditionCheck uint64 `dbus:"ConditionTimestamp"`
}

// jobRaw holds a unit's Job property (uo).
type jobRaw struct {
	Job struct {
		ID   uint32
		Path any
	} `dbus:"Job"`
}

// Properties reads the unit's common properties in one round trip.
func (u *Unit) Properties(ctx context.Context) (*Properties, error) {
	return read(ctx, u, bus.UnitInterface, "read properties", decodeProperties)
}

func decodeProperties(props properties) (*Properties, error) {
	var (
		p   Properties
		raw unitRaw
		job jobRaw
	)
	absent, err := decodeAll(props, &p, &p.Dependencies, &raw, &job)
	if err != nil {
		return nil, err
	}

	if raw.LoadError.Name != "" {
		p.LoadError = &LoadError{Name: raw.LoadError.Name, Message: raw.LoadError.Message}
	}
	p.InvocationID = invocationID(raw.InvocationID)
	p.JobID = job.Job.ID
	p.StateChange = usecTime(raw.StateChange)
	p.InactiveExit = usecTime(raw.InactiveExit)
	p.ActiveEnter = usecTime(raw.ActiveEnter)
	p.ActiveExit = usecTime(raw.ActiveExit)
	p.InactiveEnter = usecTime(raw.InactiveEnter)
	p.ConditionCheck = usecTime(raw.ConditionCheck)
	p.Absent = absent
	return &p, nil
}
