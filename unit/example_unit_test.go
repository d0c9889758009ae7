package unit_test

import (
	"context"
	"fmt"
	"log"
	"syscall"
	"time"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func ExampleUnit_Restart() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	// Roll the template out: start the new instance, stop the old one.
	v2, err := m.LoadUnit(ctx, "app@v2.service")
	if err != nil {
		log.Fatal(err)
	}
	job, err := v2.Restart(ctx, unit.ModeReplace)
	if err != nil {
		log.Fatal(err)
	}
	if err := job.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	job, err = m.StopUnit(ctx, "app@v1.service", unit.ModeReplace)
	if err != nil {
		log.Fatal(err)
	}
	if err := job.Wait(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleUnit_Kill() {
	ctx := context.Background()

	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	u, err := m.Unit(ctx, "web.service")
	if err != nil {
		log.Fatal(err)
	}
	// Ask the main process to reopen its logs.
	if err := u.Kill(ctx, unit.KillMain, syscall.SIGHUP); err != nil {
		log.Fatal(err)
	}
}

func ExampleUnit_SetProperties() {
	ctx := context.Background()

	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	u, err := m.LoadUnit(ctx, "web.service")
	if err != nil {
		log.Fatal(err)
	}
	// As systemctl set-property --runtime web.service MemoryMax=512M CPUQuota=50%.
	err = u.SetProperties(ctx, &unit.SetOptions{Runtime: true},
		unit.Property{Name: "MemoryMax", Value: uint64(512 << 20)},
		unit.Property{Name: "CPUQuotaPerSecUSec", Value: 500 * time.Millisecond},
	)
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleParseInvocationID() {
	id, err := unit.ParseInvocationID("4a0b3bd7-a7b5-4c3d-9a45-a6c1a5b32e6f")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id)
	// Output: 4a0b3bd7a7b54c3d9a45a6c1a5b32e6f
}
