package unit_test

import (
	"errors"
	"fmt"

	"github.com/gostemd/gostemd/unit"
)

func ExampleParseName() {
	n, err := unit.ParseName("getty@tty1.service")
	if err != nil {
		panic(err)
	}

	fmt.Println(n.Prefix(), n.Instance(), n.Type())
	fmt.Println(n.IsPlain(), n.IsTemplate(), n.IsInstance())
	// Output:
	// getty tty1 service
	// false false true
}

func ExampleParseName_invalid() {
	_, err := unit.ParseName("my app.service")
	fmt.Println(err)

	var ne *unit.NameError
	if errors.As(err, &ne) {
		fmt.Println(ne.Reason)
	}

	fmt.Println(errors.Is(err, unit.ErrInvalidName))
	// Output:
	// invalid unit name "my app.service": character " " at byte 2 is not allowed
	// character " " at byte 2 is not allowed
	// true
}

func ExampleParseType() {
	t, err := unit.ParseType("socket")
	fmt.Println(t == unit.TypeSocket, err)

	_, err = unit.ParseType(".socket")
	fmt.Println(err)
	// Output:
	// true <nil>
	// parse unit type ".socket": unknown unit type
}

func ExampleName_WithInstance() {
	tmpl, err := unit.ParseName("app@.service")
	if err != nil {
		panic(err)
	}

	n, err := tmpl.WithInstance("v1.conf")
	fmt.Println(n, err)

	// The instance is used as it is, so it must be valid in a unit name.
	_, err = tmpl.WithInstance("my config")
	fmt.Println(err)
	// Output:
	// app@v1.conf.service <nil>
	// invalid unit name "app@my config.service": character " " at byte 6 is not allowed
}

func ExampleName_WithEscapedInstance() {
	tmpl, err := unit.ParseName("app@.service")
	if err != nil {
		panic(err)
	}

	// Whatever the user typed stays inside the instance.
	n, err := tmpl.WithEscapedInstance("../x@evil.socket")
	if err != nil {
		panic(err)
	}

	fmt.Println(n)
	fmt.Println(n.Type())

	back, err := unit.Unescape(n.Instance())
	fmt.Println(back, err)
	// Output:
	// app@\x2e.-x\x40evil.socket.service
	// service
	// ../x@evil.socket <nil>
}

func ExampleName_WithPathInstance() {
	tmpl, err := unit.ParseName("systemd-fsck@.service")
	if err != nil {
		panic(err)
	}

	n, err := tmpl.WithPathInstance("/dev/disk/by-label/root")
	fmt.Println(n, err)
	// Output:
	// systemd-fsck@dev-disk-by\x2dlabel-root.service <nil>
}

func ExampleName_Template() {
	n, err := unit.ParseName("getty@tty1.service")
	if err != nil {
		panic(err)
	}

	tmpl, err := n.Template()
	fmt.Println(tmpl, err)
	// Output:
	// getty@.service <nil>
}

func ExampleEscape() {
	fmt.Println(unit.Escape("my-app/v1 beta"))
	// Output:
	// my\x2dapp-v1\x20beta
}

func ExampleUnescape() {
	s, err := unit.Unescape(`my\x2dapp-v1\x20beta`)
	fmt.Println(s, err)

	_, err = unit.Unescape(`C:\dir`)
	fmt.Println(err)
	// Output:
	// my-app/v1 beta <nil>
	// unescape "C:\\dir": invalid escape sequence "\\dir" at byte 2
}

func ExampleEscapePath() {
	for _, p := range []string{"/var/lib/", "//srv/./my-data", "/", "/a/../b"} {
		e, err := unit.EscapePath(p)
		fmt.Printf("%q %v\n", e, err)
	}
	// Output:
	// "var-lib" <nil>
	// "srv-my\\x2ddata" <nil>
	// "-" <nil>
	// "" escape path "/a/../b": invalid path (".." component)
}

func ExampleUnescapePath() {
	p, err := unit.UnescapePath(`srv-my\x2ddata`)
	fmt.Println(p, err)
	// Output:
	// /srv/my-data <nil>
}

func ExampleNameFromString() {
	n, err := unit.NameFromString("backup job", unit.TypeTimer)
	fmt.Println(n, err)
	// Output:
	// backup\x20job.timer <nil>
}

func ExampleNameFromPath() {
	n, err := unit.NameFromPath("/home/user/.cache", unit.TypeMount)
	if err != nil {
		panic(err)
	}

	p, err := n.Path()
	fmt.Println(n, p, err)
	// Output:
	// home-user-.cache.mount /home/user/.cache <nil>
}

func ExampleMangle() {
	for _, s := range []string{"sshd", "sshd.socket", "/dev/sda1", "/home", "my app"} {
		n, err := unit.Mangle(s, unit.TypeService)
		fmt.Println(n, err)
	}
	// Output:
	// sshd.service <nil>
	// sshd.socket <nil>
	// dev-sda1.device <nil>
	// home.mount <nil>
	// my\x20app.service <nil>
}
