package unit

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// MaxNameLength is the longest unit name systemd accepts, in bytes.
const MaxNameLength = 255

// Limits that systemd applies to the paths it escapes: Linux's NAME_MAX for
// one component, and PATH_MAX less its terminating NUL for the whole path.
const (
	maxComponentLength = 255
	maxPathLength      = 4095
)

var (
	// ErrInvalidName is matched by every *NameError.
	ErrInvalidName = errors.New("invalid unit name")
	// ErrUnknownType means a string names no unit type systemd knows.
	ErrUnknownType = errors.New("unknown unit type")
	// ErrInvalidEscape means a string holds a backslash that does not start
	// a \xNN sequence, so it cannot be unescaped.
	ErrInvalidEscape = errors.New("invalid escape sequence")
	// ErrInvalidPath means a path cannot be escaped into, or unescaped from,
	// a unit name.
	ErrInvalidPath = errors.New("invalid path")
	// ErrHashedName means a unit name was shortened with a hash, so it no
	// longer holds the whole path it was made from.
	ErrHashedName = errors.New("unit name is hashed")
)

// NameError reports a string that is not a valid unit name.
//
// It matches ErrInvalidName with errors.Is.
type NameError struct {
	// Name is the string that was checked.
	Name string
	// Reason says what is wrong with it, such as `unknown type "servce"`.
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("invalid unit name %q: %s", e.Name, e.Reason)
}

// Is reports whether target is ErrInvalidName.
func (e *NameError) Is(target error) bool {
	return target == ErrInvalidName
}

// Type is the kind of a unit, which its name ends with: "service" in
// "sshd.service".
//
// The zero Type is no type at all; ParseType never returns it.
type Type uint8

// The unit types, in the order of systemd's own table.
const (
	TypeService Type = iota + 1
	TypeMount
	TypeSwap
	TypeSocket
	TypeTarget
	TypeDevice
	TypeAutomount
	TypeTimer
	TypePath
	TypeSlice
	TypeScope
)

var typeNames = [...]string{
	TypeService:   "service",
	TypeMount:     "mount",
	TypeSwap:      "swap",
	TypeSocket:    "socket",
	TypeTarget:    "target",
	TypeDevice:    "device",
	TypeAutomount: "automount",
	TypeTimer:     "timer",
	TypePath:      "path",
	TypeSlice:     "slice",
	TypeScope:     "scope",
}

// String returns the type as it appears in unit names, such as "service".
func (t Type) String() string {
	if !t.known() {
		return fmt.Sprintf("Type(%d)", uint8(t))
	}

	return typeNames[t]
}

func (t Type) known() bool {
	return t > 0 && int(t) < len(typeNames)
}

// suffix returns ".service" for TypeService, and so on.
func (t Type) suffix() (string, error) {
	if !t.known() {
		return "", fmt.Errorf("%w %s", ErrUnknownType, t)
	}

	return "." + typeNames[t], nil
}

// ParseType returns the Type that s names. Like systemd, it takes only the
// exact lowercase name, without a leading dot: "service", not ".service".
func ParseType(s string) (Type, error) {
	for t := TypeService; t.known(); t++ {
		if typeNames[t] == s {
			return t, nil
		}
	}

	return 0, fmt.Errorf("parse unit type %q: %w", s, ErrUnknownType)
}

// Name is a valid unit name, split into its parts.
//
// A name is plain ("sshd.service"), a template ("getty@.service") or an
// instance of a template ("getty@tty1.service"). The prefix is what comes
// before the first '@' (or before the type, in a plain name), the instance
// what comes between that '@' and the type.
//
// Names are comparable with ==. The zero Name is not a valid name: its
// String is empty and it is neither plain, a template nor an instance.
type Name struct {
	s string

	// at is the index of the first '@', or 0 when there is none: a valid
	// name never starts with '@', so 0 is free to mean "absent".
	at int

	// dot is the index of the '.' before the type.
	dot int

	typ Type
}

// ParseName checks s by systemd's rules and splits it. The rules are those
// of systemd's unit_name_is_valid:
//
//   - at most MaxNameLength bytes;
//   - a known type after the last '.', and something before that '.';
//   - before it, only ASCII letters and digits, ':', '-', '_', '.', '\'
//     and '@';
//   - the first '@', if any, not at the start. A template has nothing
//     between that '@' and the type; further '@' may appear in an instance.
//
// An invalid name gives a *NameError.
func ParseName(s string) (Name, error) {
	n, reason := parseName(s)
	if reason != "" {
		return Name{}, &NameError{Name: s, Reason: reason}
	}

	return n, nil
}

// ValidateName reports whether s is a valid unit name of any kind, with a
// *NameError saying what is wrong when it is not.
func ValidateName(s string) error {
	_, err := ParseName(s)
	return err
}

// parseName does ParseName's work, returning the reason a name is invalid
// instead of an error. The checks come in systemd's order, so the reason is
// the first rule systemd would find broken.
func parseName(s string) (Name, string) {
	if s == "" {
		return Name{}, "empty"
	}

	if len(s) > MaxNameLength {
		return Name{}, fmt.Sprintf("%d bytes long, more than %d", len(s), MaxNameLength)
	}

	dot := strings.LastIndexByte(s, '.')
	switch {
	case dot < 0:
		return Name{}, `no type suffix such as ".service"`
	case dot == 0:
		return Name{}, "nothing before the type suffix"
	}

	typ, err := ParseType(s[dot+1:])
	if err != nil {
		return Name{}, fmt.Sprintf("unknown type %q", s[dot+1:])
	}

	return splitName(s, dot, typ)
}

// splitName checks the characters before the type and finds the '@'.
func splitName(s string, dot int, typ Type) (Name, string) {
	for i := range dot {
		if c := s[i]; c != '@' && !isNameChar(c) {
			return Name{}, fmt.Sprintf("character %q at byte %d is not allowed", s[i:i+1], i)
		}
	}

	at := strings.IndexByte(s[:dot], '@')
	switch {
	case at == 0:
		return Name{}, `empty prefix before "@"`
	case at < 0:
		at = 0
	}

	return Name{s: s, at: at, dot: dot, typ: typ}, ""
}

// isNameChar reports whether c may appear in a unit name's prefix or
// instance unescaped. '@' is left out: it separates prefix and instance.
func isNameChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}

	return strings.IndexByte(`:-_.\`, c) >= 0
}

// String returns the name, such as "getty@tty1.service".
func (n Name) String() string {
	return n.s
}

// Prefix returns what comes before the first '@', or before the type in a
// plain name: "getty" for "getty@tty1.service", "sshd" for "sshd.service".
func (n Name) Prefix() string {
	if n.at > 0 {
		return n.s[:n.at]
	}

	return n.s[:n.dot]
}

// Instance returns what comes between the first '@' and the type: "tty1"
// for "getty@tty1.service". It is empty for plain names and templates.
func (n Name) Instance() string {
	if n.at == 0 {
		return ""
	}

	return n.s[n.at+1 : n.dot]
}

// Type returns the unit type, such as TypeService for "sshd.service".
func (n Name) Type() Type {
	return n.typ
}

// IsPlain reports whether the name has no '@', like "sshd.service".
func (n Name) IsPlain() bool {
	return n.s != "" && n.at == 0
}

// IsTemplate reports whether the name is a template, like "getty@.service".
func (n Name) IsTemplate() bool {
	return n.at > 0 && n.at+1 == n.dot
}

// IsInstance reports whether the name is an instance of a template, like
// "getty@tty1.service".
func (n Name) IsInstance() bool {
	return n.at > 0 && n.at+1 < n.dot
}

// Template returns the template that an instance name was made from:
// "getty@.service" for "getty@tty1.service". A template returns itself.
// A plain name has no template and gives a *NameError.
func (n Name) Template() (Name, error) {
	if n.at == 0 {
		return Name{}, &NameError{Name: n.s, Reason: "neither a template nor an instance"}
	}

	t := Name{s: n.s[:n.at+1] + n.s[n.dot:], at: n.at, dot: n.at + 1, typ: n.typ}
	return t, nil
}

// WithInstance returns the instance of the template n named by instance:
// "app@.service" with "v1.conf" gives "app@v1.conf.service". If n is
// already an instance, its instance is replaced.
//
// The instance is used as it is, so it must hold only characters valid in
// unit names, and the result must not be longer than MaxNameLength; a
// *NameError says otherwise. To use an arbitrary string, such as user input,
// as the instance, call WithEscapedInstance.
func (n Name) WithInstance(instance string) (Name, error) {
	if n.at == 0 {
		return Name{}, &NameError{Name: n.s, Reason: "neither a template nor an instance, so it takes no instance"}
	}

	// An empty instance would give back the template, which is a valid
	// name but not what the caller asked for.
	if instance == "" {
		return Name{}, &NameError{Name: n.s, Reason: "new instance is empty"}
	}

	return ParseName(n.s[:n.at+1] + instance + n.s[n.dot:])
}

// WithEscapedInstance is WithInstance with the instance escaped by Escape
// first, like systemd-escape --template. Whatever s holds, it can only
// become the instance: it cannot add an '@', a '.' at the start or a
// second type to the name. Unescape(result.Instance()) gives s back.
func (n Name) WithEscapedInstance(s string) (Name, error) {
	return n.WithInstance(Escape(s))
}

// WithPathInstance is WithInstance with the path escaped by EscapePath
// first, like systemd-escape --template --path: "fsck@.service" with
// "/dev/sda1" gives "fsck@dev-sda1.service".
func (n Name) WithPathInstance(path string) (Name, error) {
	e, err := EscapePath(path)
	if err != nil {
		return Name{}, err
	}

	return n.WithInstance(e)
}

// Path returns the path that the name's prefix was escaped from, as for the
// mount unit "var-lib.mount", which gives "/var/lib". It is the reverse of
// NameFromPath, and fails with ErrHashedName for names that NameFromPath
// shortened with a hash.
func (n Name) Path() (string, error) {
	if n.isHashed() {
		return "", fmt.Errorf("path from unit name %s: %w", n.s, ErrHashedName)
	}

	return UnescapePath(n.Prefix())
}

// isHashed reports whether the name looks like one that hashLongName made:
// a plain name whose prefix ends in "_" and 16 lowercase hex digits.
func (n Name) isHashed() bool {
	if !n.IsPlain() || n.dot < hashLength+1 {
		return false
	}

	h := n.s[n.dot-hashLength : n.dot]
	if n.s[n.dot-hashLength-1] != '_' || strings.ToLower(h) != h {
		return false
	}

	_, err := hex.DecodeString(h)
	return err == nil
}

// Escape turns an arbitrary string into one that may be used as a unit
// name's prefix or instance, as systemd-escape does without options.
//
// '/' becomes '-'. Every byte that is not an ASCII letter or digit, ':',
// '_' or '.' becomes \xNN, with lowercase hex digits; so do '-' and '\', so
// that Unescape can reverse the escaping, and so does a '.' at the start,
// so that the result never begins with one.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))

	for i := range len(s) {
		c := s[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, c == '-', c == '\\', !isNameChar(c):
			writeEscaped(&b, c)
		default:
			b.WriteByte(c)
		}
	}

	return b.String()
}

func writeEscaped(b *strings.Builder, c byte) {
	const digits = "0123456789abcdef"

	b.WriteString(`\x`)
	b.WriteByte(digits[c>>4])
	b.WriteByte(digits[c&0xf])
}

// Unescape reverses Escape, as systemd-escape --unescape does: '-' becomes
// '/' and \xNN becomes the byte NN. Like systemd, it takes hex digits in
// either case. Any other backslash is an error matching ErrInvalidEscape.
//
// systemd's C code stops at a \x00 escape, since its strings end at a NUL
// byte; Unescape keeps the NUL and goes on.
func Unescape(s string) (string, error) {
	u, err := unescape(s)
	if err != nil {
		return "", fmt.Errorf("unescape %q: %w", s, err)
	}

	return u, nil
}

func unescape(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))

	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '-':
			b.WriteByte('/')
		case '\\':
			c, err := unescapeByte(s[i:])
			if err != nil {
				return "", fmt.Errorf("%w %q at byte %d", ErrInvalidEscape, s[i:min(i+4, len(s))], i)
			}

			b.WriteByte(c)
			i += 3
		default:
			b.WriteByte(s[i])
		}
	}

	return b.String(), nil
}

// unescapeByte decodes the \xNN sequence at the start of s.
func unescapeByte(s string) (byte, error) {
	if len(s) < 4 || s[1] != 'x' {
		return 0, ErrInvalidEscape
	}

	b, err := hex.DecodeString(s[2:4])
	if err != nil {
		return 0, err
	}

	return b[0], nil
}

// EscapePath escapes a path for use in a unit name, as systemd-escape
// --path does: "/var/lib" gives "var-lib", and the root gives "-".
//
// The path is simplified first: repeated slashes, "." components and
// slashes at either end are dropped. A path with a ".." component, a NUL
// byte, a component over 255 bytes or over 4095 bytes in all gives an
// error matching ErrInvalidPath, and so does a relative path of only "."
// components. NB: this is systemd 252's rule; newer systemd-escape resolves
// ".." at the root ("/../x" as "/x"), which EscapePath still refuses.
//
// Like systemd, EscapePath takes relative paths and the empty path too, but
// they escape as if they were absolute, so UnescapePath cannot give them
// back: "var/lib" escapes as "var-lib", and "" as "-".
func EscapePath(path string) (string, error) {
	clean, err := simplifyPath(path)
	if err != nil {
		return "", fmt.Errorf("escape path %q: %w", path, err)
	}

	// The root has no components left to escape; systemd names it "-".
	if clean == "" || clean == "/" {
		return "-", nil
	}

	return Escape(strings.TrimPrefix(clean, "/")), nil
}

// simplifyPath drops empty and "." components, as systemd's path_simplify
// does, and refuses any path that systemd would not then call normalized.
func simplifyPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}

	var parts []string
	for c := range strings.SplitSeq(path, "/") {
		if c == "" || c == "." {
			continue
		}

		if err := checkComponent(c); err != nil {
			return "", err
		}

		parts = append(parts, c)
	}

	return joinPath(path, parts)
}

func joinPath(path string, parts []string) (string, error) {
	clean := strings.Join(parts, "/")
	switch {
	case strings.HasPrefix(path, "/"):
		clean = "/" + clean
	case clean == "":
		return "", invalidPath(`only "." components`)
	}

	if len(clean) > maxPathLength {
		return "", invalidPath(fmt.Sprintf("%d bytes long, more than %d", len(clean), maxPathLength))
	}

	return clean, nil
}

func checkComponent(c string) error {
	switch {
	case c == "..":
		return invalidPath(`".." component`)
	case len(c) > maxComponentLength:
		return invalidPath(fmt.Sprintf("component of %d bytes, more than %d", len(c), maxComponentLength))
	case strings.IndexByte(c, 0) >= 0:
		return invalidPath("NUL byte")
	}

	return nil
}

func invalidPath(hint string) error {
	return fmt.Errorf("%w (%s)", ErrInvalidPath, hint)
}

// UnescapePath reverses EscapePath, as systemd-escape --path --unescape
// does: "var-lib" gives "/var/lib", and "-" gives "/".
//
// The result is always an absolute path in the form EscapePath takes
// without change: a string that would unescape to a path with a slash at
// its end, an empty, "." or ".." component, or a NUL byte, gives an error
// matching ErrInvalidPath. A bad escape gives one matching ErrInvalidEscape.
func UnescapePath(s string) (string, error) {
	if s == "-" {
		return "/", nil
	}

	p, err := unescapePath(s)
	if err != nil {
		return "", fmt.Errorf("unescape path %q: %w", s, err)
	}

	return p, nil
}

func unescapePath(s string) (string, error) {
	if s == "" {
		return "", invalidPath("empty")
	}

	u, err := unescape(s)
	if err != nil {
		return "", err
	}

	if strings.HasPrefix(u, "/") || strings.HasSuffix(u, "/") {
		return "", invalidPath("slash at the start or end")
	}

	p := "/" + u
	return p, checkNormalized(p)
}

// checkNormalized refuses an absolute path that simplifyPath would change.
func checkNormalized(p string) error {
	for c := range strings.SplitSeq(p[1:], "/") {
		switch c {
		case "":
			return invalidPath("empty component")
		case ".":
			return invalidPath(`"." component`)
		}

		if err := checkComponent(c); err != nil {
			return err
		}
	}

	if len(p) > maxPathLength {
		return invalidPath(fmt.Sprintf("%d bytes long, more than %d", len(p), maxPathLength))
	}

	return nil
}

// NameFromString returns the plain unit name of type t whose prefix is s
// escaped, as systemd-escape --suffix does: "my app" and TypeService give
// "my\x20app.service".
//
// An empty s, or one that escapes to a name longer than MaxNameLength,
// gives a *NameError.
func NameFromString(s string, t Type) (Name, error) {
	suffix, err := t.suffix()
	if err != nil {
		return Name{}, fmt.Errorf("build unit name from %q: %w", s, err)
	}

	n, err := ParseName(Escape(s) + suffix)
	if err != nil {
		return Name{}, fmt.Errorf("build unit name from %q: %w", s, err)
	}

	return n, nil
}

// NameFromPath returns the plain unit name of type t for a path, the way
// systemd names mount, automount, swap and device units: "/var/lib" and
// TypeMount give "var-lib.mount". The path is escaped by EscapePath.
//
// Where the escaped name would be longer than MaxNameLength, NameFromPath
// does what systemd does for such units: it keeps the
// front of the name and ends it with "_", a hash of the whole name and the
// type. systemd-escape --path --suffix does not do this; it prints the
// name, too long to be valid. Name.Path fails on a hashed name.
func NameFromPath(path string, t Type) (Name, error) {
	suffix, err := t.suffix()
	if err != nil {
		return Name{}, fmt.Errorf("build unit name from path %q: %w", path, err)
	}

	e, err := EscapePath(path)
	if err != nil {
		return Name{}, err
	}

	s := e + suffix
	if len(s) > MaxNameLength {
		s = hashLongName(s)
	}

	return ParseName(s)
}

// hashLength is the number of hex digits in a hashed name's hash.
const hashLength = 16

// longNameHashKey is the SipHash key systemd hashes long unit names with.
var longNameHashKey = [16]byte{
	0xec, 0xf2, 0x37, 0xfb, 0x58, 0x32, 0x4a, 0x32,
	0x84, 0x9f, 0x06, 0x9b, 0x0d, 0x21, 0xeb, 0x9a,
}

// hashLongName shortens a unit name longer than MaxNameLength to exactly
// MaxNameLength bytes, as systemd's unit_name_hash_long does: the front of
// the name, "_", the hash of the whole name in hex (its bytes in little
// endian order) and the type suffix.
//
// NB: the front is cut at a fixed length, which may fall inside a \xNN
// escape. systemd does the same, and the result is still a valid name.
func hashLongName(s string) string {
	suffix := s[strings.LastIndexByte(s, '.'):]

	// systemd hashes the name as a C string, with its terminating NUL.
	sum := sipHash24(longNameHashKey, append([]byte(s), 0))

	var h [8]byte
	binary.LittleEndian.PutUint64(h[:], sum)

	keep := MaxNameLength - len(suffix) - 1 - hashLength
	return s[:keep] + "_" + hex.EncodeToString(h[:]) + suffix
}

// Mangle turns a string into a unit name as systemctl does with the names
// it is given, and systemd-escape --mangle with TypeService:
//
//   - a valid unit name is returned as it is;
//   - an absolute path that NameFromPath takes becomes a device unit name
//     if it is below /dev or /sys, and a mount unit name otherwise;
//   - anything else has '/' replaced by '-' and each byte that unit names
//     do not allow escaped as \xNN, then gets the suffix of type t unless
//     that made it a valid name already.
//
// Unlike Escape, Mangle leaves '-', '\', '@' and '.' alone, so it cannot be
// reversed, and input can choose the type and instance of the result. Use
// it to accept names from people, not to build names from data.
//
// NB: systemctl keeps glob patterns such as "ssh*" for the commands that
// take patterns; Mangle has no such mode and escapes them, as
// systemd-escape --mangle does.
func Mangle(s string, t Type) (Name, error) {
	suffix, err := t.suffix()
	if err != nil {
		return Name{}, fmt.Errorf("mangle %q: %w", s, err)
	}

	if n, err := ParseName(s); err == nil {
		return n, nil
	}

	if strings.HasPrefix(s, "/") {
		if n, err := nameFromAbsolutePath(s); err == nil {
			return n, nil
		}
	}

	n, err := mangleEscaped(mangleEscape(s), suffix)
	if err != nil {
		return Name{}, fmt.Errorf("mangle %q: %w", s, err)
	}

	return n, nil
}

func nameFromAbsolutePath(path string) (Name, error) {
	clean, err := simplifyPath(path)
	if err != nil {
		return Name{}, err
	}

	if isDevicePath(clean) {
		return NameFromPath(clean, TypeDevice)
	}

	return NameFromPath(clean, TypeMount)
}

// isDevicePath reports whether a simplified absolute path names something
// below /dev or /sys, and not those directories themselves.
func isDevicePath(clean string) bool {
	rest, ok := strings.CutPrefix(clean, "/dev/")
	if !ok {
		rest, ok = strings.CutPrefix(clean, "/sys/")
	}

	return ok && rest != ""
}

// mangleEscape escapes only what can never appear in a unit name.
func mangleEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))

	for i := range len(s) {
		switch c := s[i]; {
		case c == '/':
			b.WriteByte('-')
		case c != '@' && !isNameChar(c):
			writeEscaped(&b, c)
		default:
			b.WriteByte(c)
		}
	}

	return b.String()
}

// mangleEscaped adds the suffix to an escaped string unless it is a valid
// name already, such as "foo\x20bar.socket".
func mangleEscaped(e, suffix string) (Name, error) {
	if n, err := ParseName(e); err == nil {
		return n, nil
	}

	return ParseName(e + suffix)
}

// sipHash24 is SipHash-2-4 with a 64-bit result (Aumasson and Bernstein,
// "SipHash: a fast short-input PRF", 2012), the hash systemd shortens long
// unit names with.
func sipHash24(key [16]byte, msg []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:8])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v := [4]uint64{
		k0 ^ 0x736f6d6570736575,
		k1 ^ 0x646f72616e646f6d,
		k0 ^ 0x6c7967656e657261,
		k1 ^ 0x7465646279746573,
	}

	// The last word holds the bytes left over and, in its top byte, the
	// message length modulo 256.
	var last [8]byte
	last[7] = byte(len(msg))

	for ; len(msg) >= 8; msg = msg[8:] {
		sipCompress(&v, binary.LittleEndian.Uint64(msg))
	}

	copy(last[:], msg)
	sipCompress(&v, binary.LittleEndian.Uint64(last[:]))

	v[2] ^= 0xff
	sipRounds(&v, 4)

	return v[0] ^ v[1] ^ v[2] ^ v[3]
}

func sipCompress(v *[4]uint64, m uint64) {
	v[3] ^= m
	sipRounds(v, 2)
	v[0] ^= m
}

func sipRounds(v *[4]uint64, n int) {
	for range n {
		v[0] += v[1]
		v[1] = bits.RotateLeft64(v[1], 13) ^ v[0]
		v[0] = bits.RotateLeft64(v[0], 32)

		v[2] += v[3]
		v[3] = bits.RotateLeft64(v[3], 16) ^ v[2]

		v[0] += v[3]
		v[3] = bits.RotateLeft64(v[3], 21) ^ v[0]

		v[2] += v[1]
		v[1] = bits.RotateLeft64(v[1], 17) ^ v[2]
		v[2] = bits.RotateLeft64(v[2], 32)
	}
}
