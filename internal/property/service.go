package property

import (
	"errors"
	"math"
	"strings"

	"github.com/gostemd/gostemd/internal/bus"
)

func init() {
	register(parseExec, "ExecCondition", "ExecStartPre", "ExecStart",
		"ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost")
	for _, r := range rlimits {
		register(parseLimit, "Limit"+r.name)
	}
}

// Command prefix flags, named as the Exec*Ex properties name them.
const (
	FlagIgnoreFailure = "ignore-failure" // "-"
	FlagPrivileged    = "privileged"     // "+"
	FlagNoSetuid      = "no-setuid"      // "!"
	FlagAmbient       = "ambient"        // "!!"
	FlagNoEnvExpand   = "no-env-expand"  // ":"
)

// execPrefix is what the special characters before a command set.
type execPrefix struct {
	ignoreFailure, explicitPath, noEnvExpand bool
	privileged, noSetuid, ambient            bool
}

// readExecPrefix reads the characters "-", "@", ":", "+" and "!" before a
// command, each at most once ("!!" once), as systemd does.
func readExecPrefix(s string) (execPrefix, string) {
	var p execPrefix
	for s != "" {
		var ok bool
		switch s[0] {
		case '-':
			ok, p.ignoreFailure = !p.ignoreFailure, true
		case '@':
			ok, p.explicitPath = !p.explicitPath, true
		case ':':
			ok, p.noEnvExpand = !p.noEnvExpand, true
		case '+':
			ok = !p.privileged && !p.noSetuid && !p.ambient
			p.privileged = p.privileged || ok
		case '!':
			ok = !p.privileged && !p.ambient
			if ok {
				p.ambient, p.noSetuid = p.noSetuid, !p.noSetuid
			}
		}
		if !ok {
			break
		}
		s = s[1:]
	}
	return p, s
}

// flags lists the prefix's flags in systemd's order.
func (p execPrefix) flags() []string {
	var f []string
	for _, flag := range []struct {
		set  bool
		name string
	}{
		{p.ignoreFailure, FlagIgnoreFailure}, {p.privileged, FlagPrivileged},
		{p.noSetuid, FlagNoSetuid}, {p.ambient, FlagAmbient},
		{p.noEnvExpand, FlagNoEnvExpand},
	} {
		if flag.set {
			f = append(f, flag.name)
		}
	}
	return nonNil(f)
}

// needsEx tells whether the flags only fit the Exec*Ex form (sasas).
func (p execPrefix) needsEx() bool {
	return p.noEnvExpand || p.privileged || p.noSetuid || p.ambient
}

// parseExec reads a command line with its prefixes. Like systemd-run, it
// sends the plain form (sasb) when only "-" and "@" are used, and the Ex
// form (sasas) of the property otherwise. A command without words clears
// the list.
func parseExec(name, value string) ([]bus.Property, error) {
	prefix, rest := readExecPrefix(value)
	w := words{rest: rest}
	path := ""
	if prefix.explicitPath {
		var err error
		if path, _, err = w.next("", unquote|unescapeC); err != nil {
			return nil, invalidIn("command line", value, err)
		}
	}

	argv, err := splitWords(w.remaining(), "", unquote|unescapeC)
	if err != nil {
		return nil, invalidIn("command line", value, err)
	}
	if prefix.explicitPath && len(argv) == 0 {
		// systemd-run 252 aborts on this.
		return nil, invalidHint("command line", `want argv[0] after the path of "@"`, value)
	}
	if len(argv) > 0 && path == "" {
		path = argv[0]
	}
	if len(argv) > 0 && !validExecPath(path) {
		return nil, invalidHint("command", "want an absolute path or a file name", path)
	}
	return execProperty(name, prefix, path, argv), nil
}

func execProperty(name string, prefix execPrefix, path string, argv []string) []bus.Property {
	if prefix.needsEx() {
		cmds := []ExecEx{}
		if len(argv) > 0 {
			cmds = append(cmds, ExecEx{Path: path, Argv: argv, Flags: prefix.flags()})
		}
		return one(name+"Ex", cmds)
	}

	cmds := []bus.ExecStart{}
	if len(argv) > 0 {
		cmds = append(cmds, bus.ExecStart{Path: path, Argv: argv, IgnoreFailed: prefix.ignoreFailure})
	}
	return one(name, cmds)
}

// remaining returns what next has not read yet.
func (w *words) remaining() string {
	if w.done {
		return ""
	}
	return w.rest
}

// validExecPath accepts an absolute path or a plain file name.
func validExecPath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return p != "" && p != "." && p != ".." && !strings.Contains(p, "/") && len(p) <= 255
}

// rlimits are the resource limits and how each reads its values.
var rlimits = []struct {
	name  string
	parse func(string) (uint64, error)
}{
	{"CPU", limitSeconds}, {"FSIZE", limitSize}, {"DATA", limitSize},
	{"STACK", limitSize}, {"CORE", limitSize}, {"RSS", limitSize},
	{"NOFILE", limitCount}, {"AS", limitSize}, {"NPROC", limitCount},
	{"MEMLOCK", limitSize}, {"LOCKS", limitCount}, {"SIGPENDING", limitCount},
	{"MSGQUEUE", limitSize}, {"NICE", limitNice}, {"RTPRIO", limitCount},
	{"RTTIME", limitMicroseconds},
}

// parseLimit reads "value" or "soft:hard" and sends the hard limit as
// Limit<RESOURCE> and the soft one as Limit<RESOURCE>Soft.
func parseLimit(name, value string) ([]bus.Property, error) {
	var parse func(string) (uint64, error)
	for _, r := range rlimits {
		if "Limit"+r.name == name {
			parse = r.parse
		}
	}

	soft, hard, err := limitPair(value, parse)
	if err != nil {
		return nil, invalidIn("resource limit", value, err)
	}
	return append(one(name, hard), one(name+"Soft", soft)...), nil
}

func limitPair(value string, parse func(string) (uint64, error)) (soft, hard uint64, err error) {
	first, second, paired := strings.Cut(value, ":")
	if soft, err = parseLimitValue(first, parse); err != nil {
		return 0, 0, err
	}
	if !paired {
		return soft, soft, nil
	}
	if strings.Contains(second, ":") {
		return 0, 0, errors.New("too many colons (want soft:hard)")
	}

	if hard, err = parseLimitValue(second, parse); err != nil {
		return 0, 0, err
	}
	if soft > hard {
		return 0, 0, errors.New("soft limit above hard limit")
	}
	return soft, hard, nil
}

func parseLimitValue(s string, parse func(string) (uint64, error)) (uint64, error) {
	if s == "infinity" {
		return infinity, nil
	}
	return parse(s)
}

// limitCount reads a plain number, below infinity.
func limitCount(s string) (uint64, error) {
	return parseUint(s, math.MaxUint64-1)
}

// limitSize reads a size with base-1024 suffixes, below infinity.
func limitSize(s string) (uint64, error) {
	v, err := parseSize(s)
	if err == nil && v == infinity {
		return 0, errRange
	}
	return v, err
}

// limitSeconds reads a time span for LimitCPU=, in whole seconds rounded
// up; a bare number counts seconds.
func limitSeconds(s string) (uint64, error) {
	us, err := parseTimespan(s, second)
	if err != nil || us == infinity {
		return infinity, err
	}
	return (us + second - 1) / second, nil
}

// limitMicroseconds reads a time span for LimitRTTIME=; a bare number counts
// microseconds.
func limitMicroseconds(s string) (uint64, error) {
	return parseTimespan(s, usec)
}

// limitNice reads LimitNICE=: "+n" or "-n" as a nice level, or the raw
// limit 0 to 40.
func limitNice(s string) (uint64, error) {
	switch {
	case strings.HasPrefix(s, "+"):
		n, err := parseUint(s[1:], 19)
		return 20 - n, err
	case strings.HasPrefix(s, "-"):
		n, err := parseUint(s[1:], 20)
		return 20 + n, err
	}
	return parseUint(s, 40)
}
