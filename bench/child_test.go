package bench

import (
	"fmt"
	"testing"
	"time"
)

// A child benchmark is run with testing.Benchmark in a helper process, which
// prints its result on one line; the benchmark in this process reports that
// result as its own. The child runs once per round of -count: the framework
// calls a benchmark with b.N == 1 first, and the child takes longer than
// -benchtime, so there is normally no second call, and a second call reuses
// the result.

func printChildResult(r testing.BenchmarkResult) {
	fmt.Printf("%d %d %d %d\n", r.N, r.T.Nanoseconds(), r.MemAllocs, r.MemBytes)
}

func parseChildResult(out []byte) (testing.BenchmarkResult, error) {
	var r testing.BenchmarkResult
	var ns int64
	_, err := fmt.Sscan(string(out), &r.N, &ns, &r.MemAllocs, &r.MemBytes)
	if err != nil {
		return r, fmt.Errorf("read child result %q: %w", out, err)
	}
	r.T = time.Duration(ns)
	return r, nil
}

// childResults holds, per benchmark, the result of its last child run.
var childResults = map[string]testing.BenchmarkResult{}

// reportChild runs a child benchmark on the first call of a round and
// reports its figures in place of this process's own.
func reportChild(b *testing.B, run func() (testing.BenchmarkResult, error)) {
	r, ok := childResults[b.Name()]
	if b.N == 1 || !ok {
		var err error
		if r, err = run(); err != nil {
			b.Fatal(err)
		}
		childResults[b.Name()] = r
	}

	b.ReportMetric(float64(r.NsPerOp()), "ns/op")
	b.ReportMetric(float64(r.AllocsPerOp()), "allocs/op")
	b.ReportMetric(float64(r.AllocedBytesPerOp()), "B/op")
}
