package property

import (
	"errors"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
)

func init() {
	register(parsePaths, "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths",
		"ExecPaths", "NoExecPaths")
	register(parseEnvironment, "Environment")
	register(parseEnvironmentFile, "EnvironmentFile")
	register(parseCapabilities, "CapabilityBoundingSet", "AmbientCapabilities")
	register(parseSyscallFilter, "SystemCallFilter")
	register(parseAddressFamilies, "RestrictAddressFamilies")
	register(parseBindPaths, "BindPaths", "BindReadOnlyPaths")
	register(parseTemporaryFileSystem, "TemporaryFileSystem")
}

// parsePaths reads a list of absolute paths, each optionally prefixed with
// "-" (ignore if missing) and then "+" (relative to RootDirectory=).
func parsePaths(name, value string) ([]bus.Property, error) {
	paths, err := splitWords(value, "", unquote)
	if err != nil {
		return nil, invalidIn("path list", value, err)
	}

	for _, p := range paths {
		bare := strings.TrimPrefix(strings.TrimPrefix(p, "-"), "+")
		if !strings.HasPrefix(bare, "/") {
			return nil, invalidHint("path", "want an absolute path", p)
		}
	}
	return one(name, nonNil(paths)), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// parseEnvironment reads KEY=value words, quoted and C-escaped as in unit
// files. Empty clears the environment set so far.
func parseEnvironment(name, value string) ([]bus.Property, error) {
	vars, err := splitWords(value, "", unquote|unescapeC)
	if err != nil {
		return nil, invalidIn("environment list", value, err)
	}

	seen := map[string]bool{}
	for _, v := range vars {
		key, _, ok := strings.Cut(v, "=")
		if !ok || !ValidEnvName(key) {
			return nil, invalidHint("environment assignment", "want KEY=value", v)
		}
		if seen[key] {
			return nil, invalidHint("environment list", "variable set twice", key)
		}
		seen[key] = true
	}
	return one(name, nonNil(vars)), nil
}

// ValidEnvName tells whether s may name an environment variable for
// systemd: letters, digits and underscores, not starting with a digit.
func ValidEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// parseEnvironmentFile reads a path, with "-" in front if the file may be
// missing. It is sent as EnvironmentFiles; empty clears the list.
func parseEnvironmentFile(_, value string) ([]bus.Property, error) {
	const name = "EnvironmentFiles"
	if value == "" {
		return one(name, []EnvironmentFile{}), nil
	}

	path, ignore := strings.CutPrefix(value, "-")
	if !strings.HasPrefix(path, "/") {
		return nil, invalidHint("environment file", "want an absolute path", value)
	}
	return one(name, []EnvironmentFile{{Path: path, IgnoreMissing: ignore}}), nil
}

// parseCapabilities reads capability names or numbers into a bit mask; a
// leading "~" inverts it (every capability except those listed).
//
// systemd-run ignores names it does not know; Parse refuses them.
func parseCapabilities(name, value string) ([]bus.Property, error) {
	list, inverted := strings.CutPrefix(value, "~")
	names, err := splitWords(list, "", unquote)
	if err != nil {
		return nil, invalidIn("capability list", value, err)
	}

	var mask uint64
	for _, n := range names {
		c, ok := capability(n)
		if !ok {
			return nil, invalid("capability", n)
		}
		mask |= 1 << c
	}
	if inverted {
		mask = ^mask
	}
	return one(name, mask), nil
}

// parseSyscallFilter reads system call names and @groups to allow, or with
// a leading "~" to deny; denied entries may name an errno ("mount:EPERM").
// Empty clears the filter.
//
// Unknown system call names are passed on, as systemd ignores them; unknown
// groups are refused, where systemd would ignore them too.
func parseSyscallFilter(name, value string) ([]bus.Property, error) {
	list, deny := strings.CutPrefix(value, "~")
	names, err := splitWords(list, "", unquote)
	if err != nil {
		return nil, invalidIn("system call list", value, err)
	}

	for _, n := range names {
		call, errno, hasErrno := strings.Cut(n, ":")
		if !validSyscall(call) || hasErrno && (!deny || !validErrno(errno)) {
			return nil, invalid("system call", n)
		}
	}
	return one(name, Filter{Allow: !deny, Names: nonNil(names)}), nil
}

func validSyscall(s string) bool {
	if strings.HasPrefix(s, "@") {
		return syscallGroups[s]
	}
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// validErrno accepts an errno number (0 to 4095), "kill" or "log", or an
// errno name such as EPERM.
func validErrno(s string) bool {
	if _, err := parseUint(s, 4095); err == nil {
		return true
	}
	if s == "kill" || s == "log" {
		return true
	}
	const upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return len(s) > 1 && s[0] == 'E' && strings.Trim(s[1:], upperDigits) == ""
}

// parseAddressFamilies reads socket address families (AF_INET, AF_UNIX,
// ...) to allow, or with a leading "~" to deny. Empty clears the
// restriction.
func parseAddressFamilies(name, value string) ([]bus.Property, error) {
	list, deny := strings.CutPrefix(value, "~")
	names, err := splitWords(list, "", unquote)
	if err != nil {
		return nil, invalidIn("address family list", value, err)
	}

	for _, n := range names {
		if !addressFamilies[strings.ToUpper(n)] {
			return nil, invalid("address family", n)
		}
	}
	return one(name, Filter{Allow: !deny, Names: nonNil(names)}), nil
}

// parseBindPaths reads bind mounts: "source[:destination[:options]]"
// separated by blanks, where a "-" before the source ignores a missing
// source and options is "rbind" (the default) or "norbind".
//
// Empty clears the list. (systemd-run 252 sends an entry with empty paths
// for an empty value instead, which systemd refuses.)
func parseBindPaths(name, value string) ([]bus.Property, error) {
	if strings.Trim(value, whitespace) == "" {
		return one(name, []BindMount{}), nil
	}

	w := words{rest: value}
	seps := ":" + whitespace
	mounts := []BindMount{}
	for {
		m, ok, err := nextBindMount(&w, seps)
		if err != nil {
			return nil, invalidIn("bind mount", value, err)
		}
		if !ok {
			break
		}
		if !strings.HasPrefix(m.Source, "/") || !strings.HasPrefix(m.Destination, "/") {
			return nil, invalidHint("bind mount", "want absolute paths", value)
		}
		mounts = append(mounts, m)
	}
	return one(name, mounts), nil
}

var (
	errNoDestination = errors.New(`nothing after ":"`)
	errBindOption    = errors.New("unknown option (want rbind or norbind)")
)

// nextBindMount reads one bind mount. Like systemd, it looks at the byte
// before the rest to tell whether a colon ended the last part.
func nextBindMount(w *words, seps string) (BindMount, bool, error) {
	source, ok, err := w.next(seps, unquote|keepEmpty)
	if err != nil || !ok {
		return BindMount{}, false, err
	}
	m := BindMount{Flags: msRec}
	m.Source, m.IgnoreMissing = strings.CutPrefix(source, "-")
	m.Destination = m.Source
	if !endedByColon(w) {
		return m, true, nil
	}

	if m.Destination, ok, err = w.next(seps, unquote|keepEmpty); err != nil || !ok {
		return BindMount{}, false, errNoDestination
	}
	if !endedByColon(w) {
		return m, true, nil
	}

	options, _, err := w.next("", unquote)
	switch {
	case err != nil:
		return BindMount{}, false, err
	case options == "norbind":
		m.Flags = 0
	case options != "" && options != "rbind":
		return BindMount{}, false, errBindOption
	}
	return m, true, nil
}

// endedByColon tells whether the word just read ended at a colon.
func endedByColon(w *words) bool {
	return !w.done && w.lastSep == ':'
}

// parseTemporaryFileSystem reads "path[:options]" words.
func parseTemporaryFileSystem(name, value string) ([]bus.Property, error) {
	list, err := splitWords(value, "", unquote)
	if err != nil {
		return nil, invalidIn("temporary file system list", value, err)
	}

	mounts := []TmpFS{}
	for _, word := range list {
		path, options, _ := strings.Cut(word, ":")
		if !strings.HasPrefix(path, "/") {
			return nil, invalidHint("temporary file system", "want an absolute path", word)
		}
		mounts = append(mounts, TmpFS{Path: path, Options: options})
	}
	return one(name, mounts), nil
}
