package sdnotify

import (
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Message is one notification for the service manager: a single assignment
// such as READY=1, or a pair that systemd reads together, such as FDSTORE=1
// with FDNAME=. Build it with the constructors of this package; the zero
// Message is invalid. A Message holds no resources and may be reused.
type Message struct {
	fields [2]field
	n      int // fields in use; 0 in the zero Message
	conns  []syscall.Conn
}

// A field is one KEY=value line. Numbers are kept as numbers and formatted
// only when the message is encoded, so that building a message allocates
// nothing.
type field struct {
	key     string
	text    string
	num     uint64
	numeric bool
}

func textField(key, text string) field {
	return field{key: key, text: text}
}

func numField(key string, num uint64) field {
	return field{key: key, num: num, numeric: true}
}

func one(f field) Message {
	return Message{fields: [2]field{f}, n: 1}
}

func pair(a, b field) Message {
	return Message{fields: [2]field{a, b}, n: 2}
}

// Ready tells systemd that start-up, or a reload announced with Reloading,
// has finished (READY=1). A Type=notify service is active only after it.
func Ready() Message {
	return one(textField("READY", "1"))
}

// Reloading tells systemd that the service has begun to reload its
// configuration (RELOADING=1). Send Ready when the reload is done.
//
// The message carries the current CLOCK_MONOTONIC time in MONOTONIC_USEC=,
// which Type=notify-reload services must send (systemd 253 and later) so that
// systemd can tell this reload from an earlier one. Older systemd ignores it.
func Reloading() Message {
	var ts unix.Timespec

	// The monotonic clock cannot fail on Linux; a zero timestamp would only
	// make systemd treat the reload as one it did not ask for.
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)

	usec := uint64(ts.Sec)*1e6 + uint64(ts.Nsec)/1e3
	return pair(textField("RELOADING", "1"), numField("MONOTONIC_USEC", usec))
}

// Stopping tells systemd that the service is beginning to shut down
// (STOPPING=1).
func Stopping() Message {
	return one(textField("STOPPING", "1"))
}

// Status sets the single-line, free-form status text that systemctl status
// shows (STATUS=). The text must be valid UTF-8 without newlines.
func Status(text string) Message {
	return one(textField("STATUS", text))
}

// Errno reports the error a failing service failed with (ERRNO=), shown as
// StatusErrno on the unit.
func Errno(errno syscall.Errno) Message {
	return one(numField("ERRNO", uint64(errno)))
}

// MainPID tells systemd which process is the service's main process
// (MAINPID=), for services whose main process is not the one systemd started.
func MainPID(pid int) Message {
	m := one(numField("MAINPID", uint64(pid)))
	if pid <= 0 {
		// Keep the sign so that validation can name the bad value.
		m.fields[0] = textField("MAINPID", strconv.Itoa(pid))
	}
	return m
}

// WatchdogPing tells systemd that the service is alive (WATCHDOG=1). With
// WatchdogSec= set, systemd kills a service that does not send it in time;
// see Notifier.RunWatchdog.
func WatchdogPing() Message {
	return one(textField("WATCHDOG", "1"))
}

// WatchdogTrigger asks systemd to act as if the watchdog timeout had passed
// (WATCHDOG=trigger), for a service that has detected it is stuck. It works
// even without WatchdogSec= (systemd 243 and later).
func WatchdogTrigger() Message {
	return one(textField("WATCHDOG", "trigger"))
}

// SetWatchdogTimeout changes the watchdog timeout of the running service
// (WATCHDOG_USEC=), as if WatchdogSec= had been set to d. The timeout is sent
// in whole microseconds and must be at least one.
func SetWatchdogTimeout(d time.Duration) Message {
	return one(durationField("WATCHDOG_USEC", d))
}

// ExtendTimeout asks systemd for d more time in the current phase
// (EXTEND_TIMEOUT_USEC=): start-up, runtime or shutdown. The service must send
// another message within d, and the extension applies only once the phase has
// outlived its configured timeout (systemd 236 and later).
func ExtendTimeout(d time.Duration) Message {
	return one(durationField("EXTEND_TIMEOUT_USEC", d))
}

func durationField(key string, d time.Duration) field {
	if d < time.Microsecond {
		// Kept as text so that validation reports what the caller passed.
		return textField(key, d.String())
	}
	return numField(key, uint64(d/time.Microsecond))
}

// FDStore hands file descriptors to systemd's file descriptor store
// (FDSTORE=1 with FDNAME=name, the descriptors attached as SCM_RIGHTS).
// systemd keeps them while the service restarts and passes them back under
// name, where the activation package adopts them. Any *os.File, net.Conn or
// net.Listener of the standard library can be stored; the caller keeps its
// own copy and may close it after sending.
//
// The unit needs FileDescriptorStoreMax= greater than zero, or systemd drops
// the descriptors without telling the sender. name follows systemd's rules
// for descriptor names: 1 to 255 printable ASCII characters without ':'.
// systemd watches pollable descriptors and drops them from the store when
// they hang up; send Field("FDPOLL", "0") in the same Notify to prevent that
// (systemd 246 and later).
//
// NB: a *net.UnixListener removes its socket file when closed. Call its
// SetUnlinkOnClose(false) before storing it, or the stored socket survives a
// restart without a path to reach it by.
func FDStore(name string, conns ...syscall.Conn) Message {
	m := pair(textField("FDSTORE", "1"), textField("FDNAME", name))
	m.conns = conns
	return m
}

// FDStoreRemove removes the descriptors stored under name from systemd's file
// descriptor store (FDSTOREREMOVE=1 with FDNAME=name; systemd 236 and later).
func FDStoreRemove(name string) Message {
	return pair(textField("FDSTOREREMOVE", "1"), textField("FDNAME", name))
}

// Field builds any other assignment, such as BUSERROR=, NOTIFYACCESS= or a
// private X_NAME= extension. key must be a valid environment variable name
// and value must not contain a newline or a NUL byte. BARRIER is refused:
// use Notifier.Barrier.
func Field(key, value string) Message {
	return one(textField(key, value))
}

// String returns the message as it is sent, without the descriptors, such as
// "RELOADING=1\nMONOTONIC_USEC=12345".
func (m Message) String() string {
	return string(m.appendTo(nil))
}

// appendTo appends the message's fields to b, one KEY=value per line. Lines
// are separated, not terminated, by newlines, as sd_notify(3) allows.
func (m *Message) appendTo(b []byte) []byte {
	for i := range m.n {
		f := &m.fields[i]
		if i > 0 {
			b = append(b, '\n')
		}
		b = f.appendTo(b)
	}
	return b
}

func (f *field) appendTo(b []byte) []byte {
	b = append(b, f.key...)
	b = append(b, '=')
	if f.numeric {
		return strconv.AppendUint(b, f.num, 10)
	}
	return append(b, f.text...)
}

// value returns the field's value as text, for error messages.
func (f *field) value() string {
	if f.numeric {
		return strconv.FormatUint(f.num, 10)
	}
	return f.text
}
