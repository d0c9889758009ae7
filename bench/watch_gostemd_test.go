package bench

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/gostemd/gostemd/manager"
	"github.com/gostemd/gostemd/watch"
)

// watchGostemd follows the units named in args with gostemd's watch.Units,
// counting every event after the initial Resync.
func watchGostemd(args []string) int {
	ctx := context.Background()
	m, err := manager.Connect(ctx, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer m.Close()

	w, err := watch.Units(ctx, m, args...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Close()

	first, ok := <-w.Events()
	if r, isResync := first.(watch.Resync); !ok || !isResync || r.Reason != watch.Initial {
		fmt.Fprintf(os.Stderr, "watch: first event %#v, not the initial Resync (%v)\n", first, w.Err())
		return 1
	}

	var events atomic.Int64
	go func() {
		for range w.Events() {
			events.Add(1)
		}
	}()
	return serveWatcher(events.Load)
}
