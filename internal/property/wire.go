package property

// The Go types below marshal to the D-Bus signatures systemd expects.

// IPPrefix is one entry of IPAddressAllow= and IPAddressDeny= (iayu).
type IPPrefix struct {
	Family int32  // AF_INET (2) or AF_INET6 (10)
	Addr   []byte // 4 or 16 bytes
	Bits   uint32
}

// Filter is the value of SystemCallFilter= and RestrictAddressFamilies=
// (bas): an allow-list flag and names.
type Filter struct {
	Allow bool
	Names []string
}

// BindMount is one entry of BindPaths= and BindReadOnlyPaths= (ssbt).
type BindMount struct {
	Source        string
	Destination   string
	IgnoreMissing bool
	Flags         uint64 // MS_REC or 0
}

// TmpFS is one entry of TemporaryFileSystem= (ss).
type TmpFS struct {
	Path    string
	Options string
}

// ExecEx is one command of the Exec*Ex= properties (sasas): its flags
// are names such as "ignore-failure" and "privileged".
type ExecEx struct {
	Path  string
	Argv  []string
	Flags []string
}

// EnvironmentFile is one entry of EnvironmentFiles (sb).
type EnvironmentFile struct {
	Path          string
	IgnoreMissing bool
}

// Wire constants.
const (
	afInet  = 2
	afInet6 = 10
	msRec   = 0x4000
)
