package run_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/run"
)

// A build run as the caller's child, writing to the caller's terminal, in
// a scope that holds it and everything it forks to 2 GiB and 100 tasks. It
// needs root (or a user manager) and a running systemd.
func ExampleCmd_scope() {
	cmd := run.Command("make", "-j4")
	cmd.Scope = true
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Properties = []run.Property{run.MemoryMax(2 << 30), run.TasksMax(100)}

	err := cmd.Run()
	if cmd.Result != nil {
		fmt.Printf("%s: %v after %v\n", cmd.Result.Unit, cmd.Result, cmd.Result.Runtime)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// A process started some other way, moved into a scope of its own with a
// memory limit, then stopped through the scope, which ends all of its
// processes.
func ExampleStartScope() {
	ctx := context.Background()
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	server := exec.Command("python3", "-m", "http.server")
	if err := server.Start(); err != nil {
		log.Fatal(err)
	}

	scope, err := run.StartScope(ctx, m, "web-preview", []int{server.Process.Pid},
		run.MemoryMax(256<<20), run.Description("preview web server"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("running in", scope.Name()) // web-preview.scope

	if _, err := scope.Stop(ctx, ""); err != nil {
		log.Fatal(err)
	}
	_ = server.Wait()
}
