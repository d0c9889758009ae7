package watch

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/gostemd/gostemd/internal/client"
	"github.com/gostemd/gostemd/internal/testbed"
	"github.com/gostemd/gostemd/manager"
)

// BenchmarkReadUnit reads the State of a loaded service as a Watcher does
// when systemd announces a unit, and reports the CPU time the process
// spent per read beside the wall time.
func BenchmarkReadUnit(b *testing.B) {
	testbed.Require(b)
	ctx := context.Background()
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	conn := client.OfManager(m).Conn

	before := cpuTime()
	for b.Loop() {
		if _, err := readUnit(ctx, conn, "dbus.service", "", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
