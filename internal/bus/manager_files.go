package bus

// More methods of ManagerInterface, for unit files and processes. Their
// signatures are in org.freedesktop.systemd1(5).
const (
	GetUnitProcesses        = "GetUnitProcesses"        // (s) -> a(sus)
	ListUnitsFiltered       = "ListUnitsFiltered"       // (as) -> a(ssssssouso)
	ListUnitsByPatterns     = "ListUnitsByPatterns"     // (asas) -> a(ssssssouso)
	ListUnitFiles           = "ListUnitFiles"           // () -> a(ss)
	ListUnitFilesByPatterns = "ListUnitFilesByPatterns" // (asas) -> a(ss)
	GetUnitFileState        = "GetUnitFileState"        // (s) -> s
	EnableUnitFiles         = "EnableUnitFiles"         // (asbb) -> ba(sss)
	DisableUnitFiles        = "DisableUnitFiles"        // (asb) -> a(sss)
	MaskUnitFiles           = "MaskUnitFiles"           // (asbb) -> a(sss)
	UnmaskUnitFiles         = "UnmaskUnitFiles"         // (asb) -> a(sss)
	LinkUnitFiles           = "LinkUnitFiles"           // (asbb) -> a(sss)
	PresetUnitFiles         = "PresetUnitFiles"         // (asbb) -> ba(sss)
)

// UnitProcess is one process as GetUnitProcesses returns it (sus).
type UnitProcess struct {
	CGroup  string
	PID     uint32
	Command string
}

// UnitFile is one unit file as ListUnitFiles returns it (ss).
type UnitFile struct {
	Path  string
	State string
}
