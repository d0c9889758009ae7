package run_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gostemd/gostemd/run"
)

func ExampleParseProperty() {
	for _, a := range []string{"MemoryMax=512M", "CPUQuota=20%", "LimitNOFILE=1024:4096"} {
		p, err := run.ParseProperty(a)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p.Name(), "is", p)
	}
	// Output:
	// MemoryMax is MemoryMax=512M
	// CPUQuota is CPUQuota=20%
	// LimitNOFILE is LimitNOFILE=1024:4096
}

func ExampleParseProperty_errors() {
	_, err := run.ParseProperty("MemoryMax=10Q")
	fmt.Println(err)
	fmt.Println(errors.Is(err, run.ErrInvalidValue))

	_, err = run.ParseProperty("MemoryMaximum=10M")
	fmt.Println(err)
	fmt.Println(errors.Is(err, run.ErrUnknownProperty))

	var perr *run.PropertyError
	if errors.As(err, &perr) {
		fmt.Printf("name %q, value %q\n", perr.Name, perr.Value)
	}
	// Output:
	// parse property "MemoryMax=10Q": invalid size "10Q"
	// true
	// parse property "MemoryMaximum=10M": unknown property MemoryMaximum
	// true
	// name "MemoryMaximum", value "10M"
}

func ExampleMemoryMax() {
	fmt.Println(run.MemoryMax(256 << 20))
	fmt.Println(run.MemoryMax(run.Infinity))
	// Output:
	// MemoryMax=268435456
	// MemoryMax=infinity
}

func ExampleCPUQuota() {
	fmt.Println(run.CPUQuota(0.2))
	fmt.Println(run.CPUQuota(1.5))
	// Output:
	// CPUQuota=20%
	// CPUQuota=150%
}

func ExampleReadOnlyPaths() {
	fmt.Println(run.ReadOnlyPaths("/usr", "/srv/my data", "-/opt/maybe"))
	// Output:
	// ReadOnlyPaths=/usr "/srv/my data" -/opt/maybe
}

func ExampleBindPaths() {
	fmt.Println(run.BindPaths(
		run.Bind{Source: "/var/cache/app", Destination: "/cache"},
		run.Bind{Source: "/srv/data", IgnoreMissing: true, NonRecursive: true},
	))
	// Output:
	// BindPaths=/var/cache/app:/cache -/srv/data:/srv/data:norbind
}

func ExampleIPAddressDeny() {
	deny, _ := run.ParseProperty("IPAddressDeny=any")
	allow := run.IPAddressAllow(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	fmt.Println(deny)
	fmt.Println(allow)
	// Output:
	// IPAddressDeny=any
	// IPAddressAllow=10.0.0.0/8 ::1/128
}

func ExampleEnvironmentMap() {
	fmt.Println(run.EnvironmentMap(map[string]string{"LANG": "C.UTF-8", "GREETING": "hello world"}))
	// Output:
	// Environment="GREETING=hello world" LANG=C.UTF-8
}

func ExampleExecStartPre() {
	mkdir := run.Exec{Argv: []string{"/bin/mkdir", "-p", "/run/app"}, Privileged: true}
	fmt.Println(run.ExecStartPre(mkdir))
	fmt.Println(run.ExecStartPre(run.Exec{Argv: []string{"/usr/bin/test", "-f", "/etc/app.conf"},
		IgnoreFailure: true}))
	// Output:
	// ExecStartPre=+/bin/mkdir -p /run/app
	// ExecStartPre=-/usr/bin/test -f /etc/app.conf
}

func ExampleRuntimeMax() {
	fmt.Println(run.RuntimeMax(90 * time.Second))
	fmt.Println(run.RuntimeMax(1500 * time.Millisecond))
	// Output:
	// RuntimeMaxSec=90s
	// RuntimeMaxSec=1500ms
}

func ExampleProperty_Err() {
	p := run.ReadOnlyPaths("relative")
	fmt.Println(p.Err())
	// Output:
	// parse property "ReadOnlyPaths=relative": invalid path "relative" (want an absolute path)
}
