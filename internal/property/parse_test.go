package property

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expectations below follow systemd 252's parse_size, parse_time and
// extract_first_word; the run package's tests compare whole assignments
// with systemd-run itself.

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		err  bool
	}{
		{in: "0", want: 0},
		{in: "10", want: 10},
		{in: "10B", want: 10},
		{in: "1K", want: 1024},
		{in: " 1 K", want: 1024},
		{in: "1.5K", want: 1536},
		{in: "10.M", want: 10 << 20},
		{in: "1G 512M", want: 3 << 29},
		{in: "1G512M", want: 3 << 29},
		{in: "16E", err: true},
		{in: "15E", want: 15 << 60},
		{in: "1M 1G", err: true},
		{in: "1K 1K", err: true},
		{in: "-1", err: true},
		{in: "-0", err: true},
		{in: "+5", want: 5},
		{in: "", err: true},
		{in: "K", err: true},
		{in: "10Q", err: true},
		{in: "1.5", want: 1},
		{in: "18446744073709551615", want: 1<<64 - 1},
		{in: "18446744073709551616", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseTimespan(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		err  bool
	}{
		{in: "0", want: 0},
		{in: "5", want: 5 * second},
		{in: "5s", want: 5 * second},
		{in: "5min 3s", want: 303 * second},
		{in: "5min3s", want: 303 * second},
		{in: "1h30m", want: 90 * minute},
		{in: "2 weeks", want: 2 * week},
		{in: "1.5h", want: 90 * minute},
		{in: ".5s", want: 500 * msec},
		{in: "1.25", want: 1250 * msec},
		{in: "10µs", want: 10},
		{in: "10μs", want: 10},
		{in: " infinity ", want: infinity},
		{in: "infinityx", err: true},
		{in: "5 3", want: 8 * second},
		{in: "3.", err: true},
		{in: "3.s", err: true},
		{in: "12.34.56", err: true},
		{in: "-1", err: true},
		{in: "+.5", err: true},
		{in: "1x", err: true},
		{in: "", err: true},
		{in: " ", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTimespan(tt.in, second)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in    string
		seps  string
		flags splitFlags
		want  []string
		err   bool
	}{
		{in: "a b  c", want: []string{"a", "b", "c"}},
		{in: "  ", want: nil},
		{in: `"a b" c`, flags: unquote, want: []string{"a b", "c"}},
		{in: `a"b c"d`, flags: unquote, want: []string{"ab cd"}},
		{in: `'it''s'`, flags: unquote, want: []string{"its"}},
		{in: `"a b" c`, want: []string{`"a`, `b"`, "c"}},
		{in: `a\ b`, flags: unquote, want: []string{"a b"}},
		{in: `a\nb`, flags: unquote, want: []string{"anb"}},
		{in: `a\nb`, flags: unquote | unescapeC, want: []string{"a\nb"}},
		{in: `\x41\101\u00e9`, flags: unquote | unescapeC, want: []string{"AAé"}},
		{in: `\x00`, flags: unquote | unescapeC, err: true},
		{in: `\q`, flags: unquote | unescapeC, err: true},
		{in: `"open`, flags: unquote, err: true},
		{in: `trailing\`, flags: unquote, err: true},
		{in: "a::b:", seps: ":", flags: keepEmpty, want: []string{"a", "", "b", ""}},
		{in: "", seps: ":", flags: keepEmpty, want: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitWords(tt.in, tt.seps, tt.flags)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSignal(t *testing.T) {
	tests := map[string]int{
		"TERM": 15, "SIGTERM": 15, "9": 9, "0x9": 9, "RTMIN": 34, "SIGRTMIN+0": 34,
		"RTMIN+30": 64, "RTMAX": 64, "RTMAX-30": 34, "SYS": 31,
	}
	for in, want := range tests {
		got, ok := signal(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"0", "65", "-1", "term", "RTMIN+31", "RTMAX+1", "RTMIN-1", "SIG", ""} {
		_, ok := signal(in)
		assert.False(t, ok, in)
	}
}

// FuzzQuote checks that quoted words split back into the same words.
func FuzzQuote(f *testing.F) {
	f.Add("a", "b c")
	f.Add(`"`, `\`)
	f.Add("", "-x:y")
	f.Add("'it''s'", "\t\n")

	f.Fuzz(func(t *testing.T, a, b string) {
		words := []string{a, b}
		for _, flags := range []splitFlags{unquote, unquote | unescapeC} {
			got, err := splitWords(QuoteAll(words, ""), "", flags)
			require.NoError(t, err)
			require.Equal(t, words, got)
		}
	})
}
