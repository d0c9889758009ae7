package sdnotify

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var encodeTests = []struct {
	name string
	msgs []Message
	want string
}{
	{"ready", []Message{Ready()}, "READY=1"},
	{"stopping", []Message{Stopping()}, "STOPPING=1"},
	{"status", []Message{Status("serving 3 clients")}, "STATUS=serving 3 clients"},
	{"empty status", []Message{Status("")}, "STATUS="},
	{"status with equals", []Message{Status("a=b")}, "STATUS=a=b"},
	{"ready and status", []Message{Ready(), Status("up")}, "READY=1\nSTATUS=up"},
	{"errno", []Message{Errno(syscall.ENOENT)}, "ERRNO=2"},
	{"main pid", []Message{MainPID(4711)}, "MAINPID=4711"},
	{"watchdog", []Message{WatchdogPing()}, "WATCHDOG=1"},
	{"watchdog trigger", []Message{WatchdogTrigger()}, "WATCHDOG=trigger"},
	{"watchdog timeout", []Message{SetWatchdogTimeout(20 * time.Second)}, "WATCHDOG_USEC=20000000"},
	{"extend timeout", []Message{ExtendTimeout(1500 * time.Millisecond)}, "EXTEND_TIMEOUT_USEC=1500000"},
	{"extend timeout rounds down", []Message{ExtendTimeout(1999 * time.Nanosecond)}, "EXTEND_TIMEOUT_USEC=1"},
	{"fd store", []Message{FDStore("state", os.Stdin)}, "FDSTORE=1\nFDNAME=state"},
	{"fd store remove", []Message{FDStoreRemove("state")}, "FDSTOREREMOVE=1\nFDNAME=state"},
	{"custom field", []Message{Field("X_APP_PHASE", "warm")}, "X_APP_PHASE=warm"},
	{"lower case field", []Message{Field("x_app", "")}, "x_app="},
	{"status with unicode", []Message{Status("größe 5 €")}, "STATUS=größe 5 €"},
}

func encode(msgs []Message) string {
	var b []byte
	for i := range msgs {
		if i > 0 {
			b = append(b, '\n')
		}
		b = msgs[i].appendTo(b)
	}
	return string(b)
}

func TestEncode(t *testing.T) {
	for _, tt := range encodeTests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, validate(tt.msgs))
			assert.Equal(t, tt.want, encode(tt.msgs))
		})
	}
}

func TestReloadingCarriesMonotonicTime(t *testing.T) {
	m := Reloading()

	require.NoError(t, validate([]Message{m}))
	lines := strings.Split(m.String(), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "RELOADING=1", lines[0])
	assert.Regexp(t, `^MONOTONIC_USEC=[1-9][0-9]*$`, lines[1])
}

var invalidTests = []struct {
	name    string
	msgs    []Message
	key     string
	because string
}{
	{"newline in status", []Message{Status("ok\nREADY=1")}, "STATUS", "newline"},
	{"nul in status", []Message{Status("ok\x00")}, "STATUS", "NUL"},
	{"status not utf-8", []Message{Status("\xff")}, "STATUS", "UTF-8"},
	{"equals in key", []Message{Field("A=B", "c")}, "A=B", "'='"},
	{"newline in key", []Message{Field("A\nREADY", "1")}, "A\nREADY", "'\\n'"},
	{"empty key", []Message{Field("", "x")}, "", "empty field name"},
	{"key starts with digit", []Message{Field("1A", "x")}, "1A", "digit"},
	{"newline in custom value", []Message{Field("X_A", "1\nREADY=1")}, "X_A", "newline"},
	{"barrier as field", []Message{Field("BARRIER", "1")}, "BARRIER", "Barrier"},
	{"empty fd name", []Message{FDStore("", os.Stdin)}, "FDNAME", "empty"},
	{"colon in fd name", []Message{FDStore("a:b", os.Stdin)}, "FDNAME", "':'"},
	{"control in fd name", []Message{FDStore("a\tb", os.Stdin)}, "FDNAME", "printable"},
	{"non-ascii fd name", []Message{FDStore("stätte", os.Stdin)}, "FDNAME", "printable"},
	{"long fd name", []Message{FDStore(strings.Repeat("a", 256), os.Stdin)}, "FDNAME", "255"},
	{"newline in fd name", []Message{FDStoreRemove("a\nREADY=1")}, "FDNAME", "newline"},
	{"no fds to store", []Message{FDStore("state")}, "FDNAME", "no file descriptor"},
	{"nil fd to store", []Message{FDStore("state", nil)}, "FDNAME", "nil"},
	{"too many fds", []Message{FDStore("state", make([]syscall.Conn, 254)...)}, "FDNAME", "253"},
	{"zero main pid", []Message{MainPID(0)}, "MAINPID", "process ID"},
	{"negative main pid", []Message{MainPID(-5)}, "MAINPID", "process ID"},
	{"main pid as text", []Message{Field("MAINPID", "12x")}, "MAINPID", "process ID"},
	{"zero watchdog", []Message{SetWatchdogTimeout(0)}, "WATCHDOG_USEC", "microseconds"},
	{"sub-microsecond extension", []Message{ExtendTimeout(999)}, "EXTEND_TIMEOUT_USEC", "microseconds"},
	{"negative extension", []Message{ExtendTimeout(-time.Second)}, "EXTEND_TIMEOUT_USEC", "microseconds"},
	{"duplicate status", []Message{Status("a"), Status("b")}, "STATUS", "twice"},
	{"two stores", []Message{FDStore("a", os.Stdin), FDStore("b", os.Stdin)}, "FDSTORE", "twice"},
	{"store and remove", []Message{FDStore("a", os.Stdin), FDStoreRemove("b")}, "FDNAME", "twice"},
	{"bad message after good", []Message{Ready(), Status("x\n")}, "STATUS", "newline"},
}

func TestValidateRefuses(t *testing.T) {
	for _, tt := range invalidTests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(tt.msgs)

			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.key, fe.Key)
			assert.Contains(t, err.Error(), tt.because)
		})
	}
}

func TestValidateZeroMessage(t *testing.T) {
	err := validate([]Message{{}})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "empty Message")
}

func TestFieldErrorNamesTheValue(t *testing.T) {
	err := validate([]Message{Status("up\nREADY=1")})

	assert.EqualError(t, err,
		`notify STATUS="up\nREADY=1": contains a newline (it would start another field)`)
}

func TestFieldErrorShortensLongValues(t *testing.T) {
	err := validate([]Message{Status(strings.Repeat("x", 1000) + "\n")})

	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
}
