// Package bench compares gostemd with other Go systemd libraries in the same
// run, on the same machine. It is a module of its own so that the libraries
// it compares with never enter gostemd's go.mod.
//
// Run it with:
//
//	cd bench && go test -run '^$' -bench . -benchmem
package bench
