module github.com/gostemd/gostemd/bench

go 1.26.0

require github.com/gostemd/gostemd v0.0.0

require github.com/godbus/dbus/v5 v5.2.4

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	golang.org/x/sys v0.50.0
)

replace github.com/gostemd/gostemd => ../
