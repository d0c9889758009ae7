package manager_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gostemd/gostemd"
	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/unit"
)

func ExampleConnect() {
	ctx := context.Background()

	// nil: the system manager for root, the user's own manager otherwise.
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	props, err := m.Properties(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("systemd %s is %s, %d units failed\n",
		props.Version, props.SystemState, props.NFailedUnits)
}

func ExampleManager_StartUnit() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	job, err := m.StartUnit(ctx, "web.service", unit.ModeReplace)
	switch {
	case errors.Is(err, gostemd.ErrNoSuchUnit):
		log.Fatal("web.service is not installed")
	case err != nil:
		log.Fatal(err)
	}

	err = job.Wait(ctx)
	var jobErr *unit.JobError
	switch {
	case errors.As(err, &jobErr) && jobErr.UnitResult == unit.ResultExitCode:
		log.Fatal("web.service exited with an error")
	case err != nil:
		log.Fatal(err) // such as "start job for web.service: failed (unit result: timeout)"
	}
}

func ExampleManager_LoadUnit() {
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

	svc, err := u.Service(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("main process:", svc.MainPID, "restarts:", svc.NRestarts)
	if svc.Accounting.MemoryCurrent != nil {
		fmt.Println("memory:", *svc.Accounting.MemoryCurrent)
	}

	procs, err := u.Processes(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range procs {
		fmt.Println(p.PID, p.Command)
	}
}

func ExampleManager_ListUnits() {
	ctx := context.Background()

	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	failed, err := m.ListUnits(ctx, &manager.ListOptions{
		States:   []string{"failed"},
		Patterns: []string{"*.service"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range failed {
		fmt.Println(u.Name, u.SubState)
	}
}
