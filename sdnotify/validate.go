package sdnotify

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDatagram is the largest notification systemd reads: a longer one is
// truncated, and systemd then ignores it whole (NOTIFY_BUFFER_MAX in
// systemd's sources, PIPE_BUF).
const maxDatagram = 4096

// maxFDs is the kernel's limit of descriptors in one SCM_RIGHTS message
// (SCM_MAX_FD, see unix(7)).
const maxFDs = 253

// maxFDName is the longest name systemd accepts for a stored descriptor
// (FDNAME_MAX in systemd's sources).
const maxFDName = 255

var errEmptyMessage = errors.New(
	"notify: empty Message (build messages with this package's constructors)")

// A FieldError reports a field that Notify refused to send. Nothing of the
// call was sent: every message is checked before the first byte goes out.
type FieldError struct {
	Key    string // the field's name, such as "STATUS"
	Value  string // the value as given
	Reason string // what is wrong with it
}

func (e *FieldError) Error() string {
	return "notify " + e.Key + "=" + quote(e.Value) + ": " + e.Reason
}

// quote quotes a value for an error message, shortening a long one so the
// error stays readable.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

func fieldError(f *field, reason string) error {
	return &FieldError{Key: f.key, Value: f.value(), Reason: reason}
}

// validate checks all messages of one datagram, so that a bad one stops the
// call before anything is sent.
func validate(msgs []Message) error {
	for i := range msgs {
		if err := msgs[i].validate(); err != nil {
			return err
		}
	}
	return checkDuplicates(msgs)
}

func (m *Message) validate() error {
	if m.n == 0 {
		return errEmptyMessage
	}

	for i := range m.n {
		if err := m.fields[i].validate(); err != nil {
			return err
		}
	}

	return m.validateConns()
}

func (m *Message) validateConns() error {
	switch {
	case m.fields[0].key != "FDSTORE" || m.n != 2:
		// Only FDStore builds a message that carries descriptors.
		return nil
	case len(m.conns) == 0:
		return fieldError(&m.fields[1], "no file descriptor to store")
	case len(m.conns) > maxFDs:
		return fieldError(&m.fields[1], "more than 253 file descriptors in one message")
	}

	for _, c := range m.conns {
		if c == nil {
			return fieldError(&m.fields[1], "nil file descriptor")
		}
	}
	return nil
}

func (f *field) validate() error {
	if err := validKey(f.key); err != "" {
		return fieldError(f, err)
	}
	if f.numeric {
		return nil
	}

	if err := validValue(f.text); err != "" {
		return fieldError(f, err)
	}
	return f.validateKnown()
}

// validateKnown checks the values whose form systemd prescribes. A value
// systemd would reject is refused here, where the caller still learns of it:
// systemd ignores bad fields silently.
func (f *field) validateKnown() error {
	switch f.key {
	case "STATUS":
		if !utf8.ValidString(f.text) {
			return fieldError(f, "not valid UTF-8")
		}
	case "FDNAME":
		if reason := validFDName(f.text); reason != "" {
			return fieldError(f, reason)
		}
	case "BARRIER":
		return fieldError(f, "must be sent alone with a pipe (use Notifier.Barrier)")
	case "MAINPID":
		if pid, err := strconv.Atoi(f.text); err != nil || pid <= 0 {
			return fieldError(f, "not a process ID")
		}
	case "WATCHDOG_USEC", "EXTEND_TIMEOUT_USEC":
		if usec, err := strconv.ParseUint(f.text, 10, 64); err != nil || usec == 0 {
			return fieldError(f, "not a positive number of microseconds")
		}
	}
	return nil
}

// validKey accepts environment variable names: ASCII letters, digits and
// underscores, not starting with a digit. It returns why a key is refused.
func validKey(key string) string {
	if key == "" {
		return "empty field name"
	}
	if key[0] >= '0' && key[0] <= '9' {
		return "field name starts with a digit"
	}

	for i := 0; i < len(key); i++ {
		c := key[i]
		ok := c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !ok {
			return "field name contains " + strconv.QuoteRune(rune(c)) +
				" (only letters, digits and '_' are allowed)"
		}
	}
	return ""
}

func validValue(v string) string {
	switch {
	case strings.IndexByte(v, '\n') >= 0:
		return "contains a newline (it would start another field)"
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL byte (systemd drops such messages)"
	}
	return ""
}

// validFDName follows systemd's rules for descriptor names (fdname_is_valid
// and FDNAME_MAX): printable ASCII without ':', which separates the names in
// LISTEN_FDNAMES. systemd itself allows an empty name, but an empty FDNAME
// stores the descriptor as "stored", which is never what a caller who named
// it meant.
func validFDName(name string) string {
	if name == "" {
		return "empty descriptor name"
	}
	if len(name) > maxFDName {
		return "descriptor name longer than 255 characters"
	}

	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < ' ' || c >= 0x7f {
			return "descriptor name contains " + strconv.QuoteRune(rune(c)) +
				" (only printable ASCII is allowed)"
		}
		if c == ':' {
			return "descriptor name contains ':' (it separates names in LISTEN_FDNAMES)"
		}
	}
	return ""
}

// checkDuplicates refuses a field sent twice in one datagram: systemd reads
// only one of them, and FDNAME twice would leave the stored descriptors with a
// name the caller did not choose.
func checkDuplicates(msgs []Message) error {
	for i := range msgs {
		for j := range msgs[i].n {
			f := &msgs[i].fields[j]
			if seenBefore(msgs, i, j) {
				return fieldError(f, "sent twice in one notification (send separate ones)")
			}
		}
	}
	return nil
}

// seenBefore reports whether the key of msgs[i].fields[j] appears in an
// earlier field. Notifications carry a handful of fields, so the quadratic
// scan is cheaper than a map.
func seenBefore(msgs []Message, i, j int) bool {
	key := msgs[i].fields[j].key
	for a := 0; a <= i; a++ {
		for b := range msgs[a].n {
			if a == i && b == j {
				return false
			}
			if msgs[a].fields[b].key == key {
				return true
			}
		}
	}
	return false
}
