package activation_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"

	"github.com/gostemd/gostemd/activation"
)

// A web server that systemd starts through web.socket (with
// FileDescriptorName=web), and that listens by itself when started by hand.
func ExampleSet_Listener() {
	fds, err := activation.Adopt(&activation.Options{UnsetEnv: true})
	if err != nil {
		log.Fatal(err)
	}

	ln, err := fds.Listener("web")
	if errors.Is(err, activation.ErrNotFound) {
		ln, err = net.Listen("tcp", "127.0.0.1:8080")
	}
	if err != nil {
		log.Fatal(err)
	}

	log.Fatal(http.Serve(ln, nil))
}

// A DNS-like service with a ListenDatagram= socket named "dns".
func ExampleSet_PacketConn() {
	fds, err := activation.Adopt(nil)
	if err != nil {
		log.Fatal(err)
	}

	pc, err := fds.PacketConn("dns")
	if err != nil {
		log.Fatal(err)
	}

	buf := make([]byte, 512)
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		log.Fatal(err)
	}
	pc.WriteTo(buf[:n], from)
}

// A service that kept its state in a memory file in systemd's file
// descriptor store (see sdnotify.FDStore) reads it back after a restart.
func ExampleSet_File() {
	fds, err := activation.Adopt(nil)
	if err != nil {
		log.Fatal(err)
	}

	state, err := fds.File("state")
	switch {
	case errors.Is(err, activation.ErrNotFound):
		fmt.Println("first start: nothing stored yet")
	case err != nil:
		log.Fatal(err)
	default:
		data, err := io.ReadAll(state)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("restarted with %d bytes of state\n", len(data))
	}
}

// Outside systemd nothing is passed, and lookups say so.
func ExampleAdopt() {
	fds, err := activation.Adopt(nil)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(fds.Len())
	_, err = fds.Listener("web")
	fmt.Println(err)
	// Output:
	// 0
	// listener "web": no descriptor of that name (none were passed: not socket-activated)
}
