module github.com/gostemd/gostemd

go 1.26.0

require github.com/godbus/dbus/v5 v5.2.4

require golang.org/x/sys v0.50.0 // indirect
