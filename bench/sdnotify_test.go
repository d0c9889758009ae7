package bench

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/gostemd/gostemd/sdnotify"
)

// receive creates a datagram socket that plays systemd's part and drains it
// for as long as the benchmark runs, and returns its address.
func receive(b *testing.B) string {
	b.Helper()

	addr := filepath.Join(b.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	if err := conn.SetReadBuffer(8 << 20); err != nil {
		b.Fatal(err)
	}

	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	return addr
}

// BenchmarkNotify sends a status line with a watchdog ping, the message a
// busy service sends most often, in one datagram.
func BenchmarkNotify(b *testing.B) {
	addr := receive(b)
	b.Setenv("NOTIFY_SOCKET", addr)
	ctx := context.Background()

	b.Run("gostemd/Notifier", func(b *testing.B) {
		n := sdnotify.New(addr)
		defer n.Close()
		b.ReportAllocs()

		for b.Loop() {
			if err := n.Notify(ctx, sdnotify.Status("serving"), sdnotify.WatchdogPing()); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Like go-systemd, the package-level Notify opens and closes a socket on
	// every call.
	b.Run("gostemd/Notify", func(b *testing.B) {
		b.ReportAllocs()

		for b.Loop() {
			if err := sdnotify.Notify(ctx, sdnotify.Status("serving"), sdnotify.WatchdogPing()); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("go-systemd/SdNotify", func(b *testing.B) {
		b.ReportAllocs()

		for b.Loop() {
			if _, err := daemon.SdNotify(false, "STATUS=serving\nWATCHDOG=1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
