package run_test

import (
	"testing"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) {
	testbed.Main(m)
}
