module github.com/gostemd/gostemd

go 1.26.0

require (
	github.com/godbus/dbus/v5 v5.2.4
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.50.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
