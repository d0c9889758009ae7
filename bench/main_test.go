package bench

import (
	"testing"

	"github.com/gostemd/gostemd/internal/testbed"
)

// TestMain runs the benchmarks inside a throwaway systemd, booted by the test
// bed, unless cmd/benchall has already started this binary in one. The
// helpers are the clients measured in a process of their own.
func TestMain(m *testing.M) {
	testbed.Main(m, helpers...)
}
