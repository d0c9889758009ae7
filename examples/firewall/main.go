// Command firewall shows a firewall for one service, made of two properties:
// IPAddressDeny=any blocks every address, and IPAddressAllow lets one back
// in. No iptables or nftables rule is involved; systemd attaches a BPF
// program to the unit's cgroup, so the rules follow the unit's processes and
// nothing else.
//
// The program listens on two loopback addresses, 127.0.0.1 and 127.0.0.2
// (on Linux all of 127.0.0.0/8 reaches the loopback device), then runs the
// same client, bash's /dev/tcp, as transient services: once without a
// firewall, where both connections succeed, and once with
// IPAddressDeny=any and IPAddressAllow=127.0.0.1, where only the first does.
// It prints what each client and each listener saw.
//
// Run it as root on a machine where systemd is PID 1, or through the
// project's launcher, which boots a throwaway systemd when the host has none:
//
//	go build -o bin/ ./internal/cmd/withsystemd ./examples/...
//	./bin/withsystemd ./bin/firewall
//
// The firewall needs cgroup BPF support in the kernel and systemd; inside
// systemd-nspawn it also needs --system-call-filter=bpf, which the
// launcher passes.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/gostemd/gostemd/run"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := demo(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "firewall: %v\n", err)
		os.Exit(1)
	}
}

var (
	allowed = netip.MustParseAddr("127.0.0.1")
	other   = netip.MustParseAddr("127.0.0.2")
)

func demo(ctx context.Context, w io.Writer) error {
	var listeners []*listener
	for _, addr := range []netip.Addr{allowed, other} {
		l, err := listen(addr)
		if err != nil {
			return err
		}
		defer l.Close()
		listeners = append(listeners, l)
	}
	fmt.Fprintf(w, "listening on %s and %s\n", listeners[0].Addr(), listeners[1].Addr())
	fmt.Fprintln(w, "each client is a transient service running "+
		"bash -c 'echo hello > /dev/tcp/ADDR/PORT'")

	fmt.Fprintln(w, "\nwithout a firewall:")
	if err := connectAll(ctx, w, listeners); err != nil {
		return err
	}

	// "any" is systemd's word for 0.0.0.0/0 and ::/0, every address.
	deny, err := run.ParseProperty("IPAddressDeny=any")
	if err != nil {
		return err
	}
	allow := run.IPAddressAllow(netip.PrefixFrom(allowed, 32))
	fmt.Fprintf(w, "\nwith %s and %s:\n", deny, allow)
	return connectAll(ctx, w, listeners, deny, allow)
}

// connectAll runs a client unit with the given properties for each
// listener, and prints what the client and the listener report.
func connectAll(ctx context.Context, w io.Writer, ls []*listener, props ...run.Property) error {
	for _, l := range ls {
		outcome, err := connect(ctx, l.Addr(), props)
		if err != nil {
			return err
		}
		line, err := l.Receive()
		if err != nil {
			return fmt.Errorf("receive on %s: %w", l.Addr(), err)
		}
		heard := "no connection"
		if line != "" {
			heard = fmt.Sprintf("%q", line)
		}
		fmt.Fprintf(w, "  %-15s client: %s; listener got: %s\n", l.Addr(), outcome, heard)
	}
	return nil
}

// clientTimeout bounds a connection attempt. A blocked one does not fail at
// once: the kernel keeps retrying a TCP handshake whose packets are dropped.
const clientTimeout = 5 * time.Second

// connect runs bash in a transient service to send a line to addr through
// bash's /dev/tcp. It returns "connected", or why the client did not.
func connect(ctx context.Context, addr netip.AddrPort, props []run.Property) (string, error) {
	script := fmt.Sprintf("echo hello > /dev/tcp/%s/%d", addr.Addr(), addr.Port())
	secs := fmt.Sprint(clientTimeout.Seconds())
	cmd := run.CommandContext(ctx, "timeout", secs, "bash", "-c", script)
	cmd.Properties = props
	out, err := cmd.CombinedOutput()

	var ee *run.ExitError
	switch {
	case err == nil:
		return "connected", nil
	case errors.As(err, &ee) && ee.ExitCode() == 124:
		return fmt.Sprintf("blocked, no connection within %v (timeout: %s)", clientTimeout, ee), nil
	case errors.As(err, &ee) && ee.Exited():
		return fmt.Sprintf("failed (%s: %q)", ee, strings.TrimSpace(string(out))), nil
	default:
		return "", fmt.Errorf("run the client for %s: %w", addr, err)
	}
}

// A listener accepts connections on one address, one at a time.
type listener struct{ *net.TCPListener }

func listen(addr netip.Addr) (*listener, error) {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
	if err != nil {
		return nil, err
	}
	return &listener{ln}, nil
}

func (l *listener) Addr() netip.AddrPort {
	return l.TCPListener.Addr().(*net.TCPAddr).AddrPort()
}

// Receive returns the line a client sent, or "" if no client connected. It
// is called once the client has exited: a connection it made is already
// waiting to be accepted, since the kernel completes the handshake before
// connect returns, so a short deadline only bounds the wait for none.
func (l *listener) Receive() (string, error) {
	if err := l.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return "", err
	}
	c, err := l.Accept()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer c.Close()

	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}
