package run_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gostemd/gostemd/run"
)

// A command run as a transient service, sandboxed and limited, reporting how
// it ended and what it used. It needs root (or a user manager) and a running
// systemd.
func ExampleCommand() {
	cmd := run.Command("sh", "-c", "id -u; exit 3")
	cmd.User = "nobody"
	cmd.Properties = []run.Property{
		run.MemoryMax(64 << 20),
		run.ProtectSystem(run.ProtectSystemStrict),
		run.PrivateTmp(true),
	}

	out, err := cmd.Output()
	var ee *run.ExitError
	if errors.As(err, &ee) {
		fmt.Printf("%s exited with %d after %v\n", ee.Unit, ee.ExitCode(), ee.Runtime)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("uid %s", out)
}

// Many commands can share one connection to systemd; a context stops a
// command that runs too long, killing every process of its unit.
func ExampleCommandContext() {
	conn, err := run.Connect(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	cmd := run.CommandContext(ctx, "sleep", "60")
	cmd.Conn = conn
	err = cmd.Run()
	fmt.Println(err) // context deadline exceeded
	if cmd.Result != nil {
		fmt.Println(cmd.Result.Signal()) // killed
	}
}
