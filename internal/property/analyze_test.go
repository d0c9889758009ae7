package property

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTimespanMatchesSystemdAnalyze parses time spans with parseTimespan
// and with systemd's own parse_time, which systemd-analyze timespan calls,
// and compares the outcomes.
func TestTimespanMatchesSystemdAnalyze(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skipf("systemd-analyze is not installed (%v)", err)
	}

	inputs := []string{
		"0", "5", "5s", "5 s", "5min 3s", "5min3s", "1h30m", "2 weeks", "1.5h", ".5s", "1.25",
		"10µs", "10μs", "10us", "1y", "2M", "1month", "3 months", "1w2d", " infinity ",
		"infinity", "infinityx", "5 3", "3.", "3.s", "12.34.56", "12.34 .56", "12.34s.56",
		"-1", "+5", "+.5", "1x", "", " ", "0x10", "010", "1e3", "18446744073709551615us",
		"584542y", "584541y", "9223372036854775807", "9223372036854775808", "1.000000001",
		"1.9999999999s", "5msec", "5ms", "5m", "5mi", "1 h 1 m", "1\th", "hour", "1hour1",
		"1s1", "1..5", "1.5.5s", ".s", "0.0", "00001", "1,5",
	}
	for _, in := range inputs {
		want, wantErr := analyzeTimespan(analyze, in)
		got, err := parseTimespan(in, second)
		if wantErr {
			assert.Error(t, err, "%q: systemd refuses it", in)
			continue
		}
		if assert.NoError(t, err, "%q: systemd reads %d", in, want) {
			assert.Equal(t, want, got, in)
		}
	}
}

// analyzeTimespan returns the microseconds systemd-analyze reads in s, or
// true if it refuses s.
func analyzeTimespan(analyze, s string) (uint64, bool) {
	out, err := exec.Command(analyze, "timespan", "--", s).Output()
	if err != nil {
		return 0, true
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "μs: "); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			return n, err != nil
		}
	}
	return 0, true
}
