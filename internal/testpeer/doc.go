// Package testpeer holds the raw-socket peers that the tests of both
// server drivers (ws on goroutines, ws/wsloop on the event loop) use to
// speak to a server below the WebSocket API: an upgrade request written
// by hand, a head sent a byte at a time, a request whose body the server
// leaves unread, a client that stops reading.
//
// Only tests import it. It imports nothing of the module, so that package
// ws's internal tests can use it as well as the external test packages.
// Every peer waits at most 5 s for the server (a socket deadline), so a
// server that does not answer fails the test instead of hanging it.
package testpeer
