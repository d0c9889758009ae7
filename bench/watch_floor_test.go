package bench

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/godbus/dbus/v5"
)

// watchFloor is the least a watcher driven by systemd's signals can do with
// godbus: one match rule on systemd's objects, Subscribe, and every signal
// received, decoded by godbus and counted, nothing more. Any such watcher
// pays at least this; gostemd's watch.Units also reads units and turns
// signals into events.
func watchFloor([]string) int {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()

	err = conn.AddMatchSignal(dbus.WithMatchSender(systemdName),
		dbus.WithMatchPathNamespace(systemdPath))
	if err == nil {
		err = conn.Object(systemdName, systemdPath).Call(managerIface+".Subscribe", 0).Err
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	signals := make(chan *dbus.Signal, 512)
	conn.Signal(signals)
	var events atomic.Int64
	go func() {
		for range signals {
			events.Add(1)
		}
	}()
	return serveWatcher(events.Load)
}
