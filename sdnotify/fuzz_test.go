package sdnotify

import (
	"strings"
	"testing"
)

// FuzzEncode checks that whatever a caller passes, a message that validation
// lets through encodes to exactly the fields it was built from: no value can
// inject a field of its own.
func FuzzEncode(f *testing.F) {
	for _, tt := range encodeTests {
		for i := range tt.msgs {
			fl := tt.msgs[i].fields[0]
			f.Add(fl.key, fl.value())
		}
	}
	for _, tt := range invalidTests {
		fl := tt.msgs[len(tt.msgs)-1].fields[0]
		f.Add(fl.key, fl.value())
	}

	f.Fuzz(func(t *testing.T, key, value string) {
		checkEncoding(t, Field(key, value))
		checkEncoding(t, Status(value))
		checkEncoding(t, FDStoreRemove(value))
		checkEncoding(t, Ready(), Field(key, value), Status(value))
	})
}

func checkEncoding(t *testing.T, msgs ...Message) {
	if validate(msgs) != nil {
		return
	}

	var want []string
	for i := range msgs {
		for _, fl := range msgs[i].fields[:msgs[i].n] {
			want = append(want, fl.key+"="+fl.value())
		}
	}

	got := encode(msgs)
	if strings.IndexByte(got, 0) >= 0 {
		t.Fatalf("encoding %q contains a NUL byte", got)
	}
	lines := strings.Split(got, "\n")
	if len(lines) != len(want) {
		t.Fatalf("encoding %q has %d fields, want %d", got, len(lines), len(want))
	}
	for i := range lines {
		if lines[i] != want[i] {
			t.Fatalf("field %d is %q, want %q", i, lines[i], want[i])
		}
	}
}
