package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	gsd "github.com/coreos/go-systemd/v22/dbus"
)

// watchGoSystemd follows the units named in args with go-systemd's
// SubscriptionSet, the API go-systemd offers for watching a set of units
// (it calls ListUnits every second and compares).
func watchGoSystemd(args []string) int {
	conn, err := gsd.NewSystemConnectionContext(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	set := conn.NewSubscriptionSet()
	for _, name := range args {
		set.Add(name)
	}
	statuses, errs := set.SubscribeContext(ctx)

	var events atomic.Int64
	first := make(chan struct{})
	var once sync.Once
	go func() {
		for batch := range statuses {
			if events.Add(int64(len(batch))) >= int64(len(args)) {
				once.Do(func() { close(first) })
			}
		}
	}()
	go func() {
		for err := range errs {
			if ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "go-systemd subscription:", err)
			}
		}
	}()

	<-first
	return serveWatcher(events.Load)
}
