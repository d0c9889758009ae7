package main

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every run of every benchmark: name (without "Benchmark" and
// the -GOMAXPROCS suffix) to one map of unit to value per run.
type results map[string][]map[string]float64

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads the lines of go test -bench output that hold results:
// "BenchmarkName-2  N  value unit  value unit ...".
func parse(out []byte) results {
	r := results{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || len(fields)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}

		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
		metrics := map[string]float64{}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				metrics[fields[i+1]] = v
			}
		}
		r[name] = append(r[name], metrics)
	}
	return r
}

// median returns the median of a metric over the runs of a benchmark.
func (r results) median(name, unit string) (float64, bool) {
	var vs []float64
	for _, run := range r[name] {
		if v, ok := run[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// runs returns how many runs a benchmark had.
func (r results) runs(name string) int { return len(r[name]) }
