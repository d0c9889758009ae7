// Package bus is gostemd's one connection to systemd over D-Bus, and the only
// package that knows D-Bus names, object paths and wire types. The public
// packages build on it and speak Go types.
//
// A [Conn] reaches the system manager over the system bus (the default) or
// its private socket ([PrivateAddress]), a user's manager over that user's
// bus ([UserBusAddress]), or anything at an explicit address. It calls
// methods ([Conn.Call], [Conn.Query]), reads properties ([Conn.GetAll],
// [Decode]), turns error replies into gostemd's sentinel errors, and
// delivers signals ([Conn.Subscribe]).
//
// # Reconnection
//
// A Conn outlives its D-Bus connection. systemd closes its private socket's
// connections on daemon-reexec, and a restarted bus daemon drops every
// client; the Conn redials with backoff until it is closed, puts every match
// rule and the manager subscription back, and sends each subscription an
// [Event] with Reset set. Over a bus, daemon-reexec keeps the connection up
// but hands systemd's name to a new connection; subscriptions get a Reset
// for that too. A Reset means signals may have been missed: re-read state.
//
// Calls made while reconnecting wait for the new connection or their ctx.
// A call in flight when the connection drops is sent again only if it reads
// ([Conn.Query], [Conn.Get], [Conn.GetAll], [Conn.ReadProperties]); a call
// that may change something ([Conn.Call], [Conn.Set]) fails with
// gostemd.ErrDisconnected, because whether it ran is unknown.
//
// # Signals
//
// Signals are filtered by sender: on a bus only those of the connection
// that owns org.freedesktop.systemd1 at the time, tracked through the bus
// daemon's NameOwnerChanged signal. Match rules are added before Subscribe
// returns, on a bus only (a peer connection gets every signal). Each
// subscription has a queue without bound fed from godbus's reader
// goroutine, which therefore never waits for a slow subscriber.
//
// systemd sends unit and job signals only to subscribed clients; set
// [Match.ManagerSubscribe] to keep its Manager.Subscribe in effect.
//
// # Privileges
//
// The private socket needs root. Over a bus, what may be called is decided
// by polkit and the bus policy; reading is open to everyone.
//
// # Compatibility
//
// Tested against systemd 252. Property decoding reports properties the
// running systemd lacks instead of failing, so structs may name properties
// of newer versions.
package bus
