package property

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gostemd/gostemd/internal/bus"
)

func init() {
	register(parseBoolean,
		// execution and sandboxing
		"DynamicUser", "PrivateTmp", "PrivateDevices", "PrivateNetwork",
		"PrivateUsers", "PrivateMounts", "PrivateIPC", "NoNewPrivileges",
		"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
		"ProtectClock", "ProtectControlGroups", "ProtectHostname",
		"MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID",
		"LockPersonality", "RemoveIPC",
		// resource accounting
		"CPUAccounting", "MemoryAccounting", "IOAccounting",
		"BlockIOAccounting", "TasksAccounting", "IPAccounting",
		// killing and services
		"SendSIGKILL", "SendSIGHUP", "RemainAfterExit")

	register(oneOf("control-group", "process", "mixed", "none"), "KillMode")
	// notify-reload needs systemd 253; an older manager refuses it itself
	// when the unit is started.
	register(oneOf("simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload",
		"idle"), "Type")
	register(oneOf("no", "on-success", "on-failure", "on-abnormal", "on-watchdog",
		"on-abort", "always"), "Restart")
	register(boolOr("full", "strict"), "ProtectSystem")
	register(boolOr("read-only", "tmpfs"), "ProtectHome")
	register(oneOf("noaccess", "invisible", "ptraceable", "default"), "ProtectProc")
	register(oneOf("all", "pid"), "ProcSubset")
	register(oneOf("inactive", "inactive-or-failed"), "CollectMode")
	register(parseUserName, "User", "Group")
	register(parseDescription, "Description")
	register(parseSlice, "Slice")
	register(parseWorkingDirectory, "WorkingDirectory")

	register(parseSecRename, "RuntimeMaxSec", "RuntimeRandomizedExtraSec",
		"TimeoutStartSec", "TimeoutStopSec", "TimeoutAbortSec", "RestartSec",
		"WatchdogSec")
	register(parseTimeoutSec, "TimeoutSec")
	register(parseNice, "Nice")
	register(parseSignal, "KillSignal", "RestartKillSignal", "FinalKillSignal",
		"WatchdogSignal")
}

func parseBoolean(name, value string) ([]bus.Property, error) {
	b, ok := parseBool(value)
	if !ok {
		return nil, invalid("boolean", value)
	}
	return one(name, b), nil
}

// oneOf accepts one of a fixed set of strings, passed on as they are.
func oneOf(values ...string) parser {
	return func(name, value string) ([]bus.Property, error) {
		if !slices.Contains(values, value) {
			return nil, invalidHint("value", "want one of "+strings.Join(values, ", "), value)
		}
		return one(name, value), nil
	}
}

// boolOr accepts a boolean or one of a few words, passed on as a string
// that systemd interprets.
func boolOr(values ...string) parser {
	return func(name, value string) ([]bus.Property, error) {
		if _, ok := parseBool(value); !ok && !slices.Contains(values, value) {
			return nil, invalidHint("value", "want a boolean, "+strings.Join(values, ", "), value)
		}
		return one(name, value), nil
	}
}

// parseUserName accepts what systemd accepts for User= and Group= of
// transient units: a user or group name in its relaxed rules, or a number.
// Empty resets.
func parseUserName(name, value string) ([]bus.Property, error) {
	if value != "" && !validUserName(value) {
		return nil, invalid("user or group name", value)
	}
	return one(name, value), nil
}

// validUserName follows systemd's valid_user_group_name in its relaxed
// mode, which transient units get: a valid UID, or a name without control
// characters, colons, slashes or blanks at either end that does not look
// like a number and is not "." or "..".
func validUserName(s string) bool {
	if validUID(s) {
		return true
	}

	digits := strings.Trim(strings.TrimPrefix(s, "-"), "0123456789") == ""
	switch {
	case s == "", s == ".", s == "..", digits:
		return false
	case strings.HasPrefix(s, " "), strings.HasSuffix(s, " "), !utf8.ValidString(s):
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == ':' || r == '/'
	})
}

// validUID accepts a UID written plainly in decimal, without the two
// values that mean "no user".
func validUID(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' || (s[0] == '0' && len(s) > 1) {
		return false
	}
	uid, err := parseUint(s, math.MaxUint32)
	return err == nil && uid != 65535 && uid != math.MaxUint32
}

func parseDescription(name, value string) ([]bus.Property, error) {
	return one(name, value), nil
}

// parseSlice accepts the name of a slice unit, such as "batch.slice".
func parseSlice(name, value string) ([]bus.Property, error) {
	if !validSliceName(value) {
		return nil, invalidHint("slice", "want a slice unit name such as batch.slice", value)
	}
	return one(name, value), nil
}

// validSliceName follows systemd's rules for plain unit names, for slices:
// at most 255 bytes, letters, digits and ":-_.\" before ".slice". (The
// unit package has the full rules; this package stays a leaf that the unit
// package may import.)
func validSliceName(s string) bool {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:-_.\\"
	prefix, ok := strings.CutSuffix(s, ".slice")
	return ok && prefix != "" && len(s) <= 255 && strings.Trim(prefix, chars) == ""
}

// parseWorkingDirectory accepts an absolute path, "~" for the user's home,
// either with "-" in front to ignore a missing directory, or empty ("-"
// alone too) for the default.
func parseWorkingDirectory(name, value string) ([]bus.Property, error) {
	dir := strings.TrimPrefix(value, "-")
	if dir != "" && dir != "~" && !strings.HasPrefix(dir, "/") {
		return nil, invalidHint("working directory", "want an absolute path or ~", value)
	}
	return one(name, value), nil
}

// parseSecRename reads a time span and sends it as microseconds under the
// name with "Sec" changed to "USec".
func parseSecRename(name, value string) ([]bus.Property, error) {
	us, err := parseTimespan(value, second)
	if err != nil {
		return nil, invalid("time span", value)
	}
	return one(strings.TrimSuffix(name, "Sec")+"USec", us), nil
}

// parseTimeoutSec sets both the start and the stop timeout.
func parseTimeoutSec(_, value string) ([]bus.Property, error) {
	start, err := parseSecRename("TimeoutStartSec", value)
	if err != nil {
		return nil, err
	}
	stop, _ := parseSecRename("TimeoutStopSec", value)
	return append(start, stop...), nil
}

func parseNice(name, value string) ([]bus.Property, error) {
	n, err := parseInt(value, -20, 19)
	if err != nil {
		return nil, invalidHint("nice level", "want -20 to 19", value)
	}
	return one(name, int32(n)), nil
}

func parseSignal(name, value string) ([]bus.Property, error) {
	sig, ok := signal(value)
	if !ok {
		return nil, invalid("signal", value)
	}
	return one(name, int32(sig)), nil
}
