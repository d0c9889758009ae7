// Package client is the state that package manager and package unit share
// over one connection to systemd: the connection itself and the tracking of
// job results.
package client

import (
	"context"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// Client is one connection to a systemd manager with its job tracker. It is
// safe for concurrent use.
type Client struct {
	Conn *bus.Conn
	jobs tracker
}

// New wraps an open connection. Close closes it.
func New(conn *bus.Conn) *Client {
	c := &Client{Conn: conn}
	c.jobs.setup = make(chan struct{}, 1)
	c.jobs.subscribe = func(ctx context.Context) (subscription, error) {
		return subscribeJobs(ctx, conn)
	}
	c.jobs.gone = func(ctx context.Context, path dbus.ObjectPath) bool {
		return jobGone(ctx, conn, path)
	}
	return c
}

// Close ends every wait for a job and closes the connection.
func (c *Client) Close() error {
	return c.Conn.Close()
}

// NewUnit makes a unit handle of package unit for a unit that systemd has
// loaded at path. Package unit sets it when it is initialised; package
// manager, which imports unit, uses it to hand out handles without unit
// exporting a constructor that takes a Client. It returns a *unit.Unit.
var NewUnit func(c *Client, name string, path dbus.ObjectPath) any

// OfManager returns the Client of a *manager.Manager. Package manager sets it
// when it is initialised, so that packages built on top of manager (run and
// watch) can use a Manager's connection without manager exporting it.
var OfManager func(m any) *Client

// OfUnit returns the Client of a *unit.Unit, and its object path if the
// handle knows it. Package unit sets it when it is initialised.
var OfUnit func(u any) (*Client, dbus.ObjectPath)
