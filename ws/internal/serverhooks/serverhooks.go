// Package serverhooks lets ws/wshttp drive a ws.Server, and ws/wsloop
// parse a handshake, through steps that are not ws's public API: a
// driver's hooks, not a user's calls. Package ws sets the functions when
// it is initialized; their arguments are a *ws.Server, a *ws.Conn and a
// *ws.Request (this package cannot import ws, which imports it).
package serverhooks

var (
	// Admit reserves a connection slot of the server before the
	// handshake answer: ws.ErrTooManyConnections, or ws.ErrClosed after
	// Shutdown. Call release once the connection is over or was not made.
	Admit func(srv any) (release func(), err error)
	// Start serves an open connection with the server's Handler on
	// goroutines of its own and returns at once; done, if not nil, is
	// called when the connection has ended.
	Start func(srv any, c any, done func())
	// Own tracks an open connection that the driver's caller serves
	// itself (not the server's Handler) as one of the server's: counted
	// in its Metrics, closed by its Shutdown. Call end once the
	// connection has ended: it counts the close, stops tracking it and
	// calls release (Admit's).
	Own func(srv any, c any, release func()) (end func())
	// Refused counts an opening handshake the driver refused with err:
	// the HTTP status of a *ws.HandshakeError in the server's Metrics, a
	// contained OnConnect panic in its Panics.
	Refused func(srv any, err error)
	// ParseRequest is ws.ParseRequest resuming after the first from
	// bytes of b, which an earlier call found to be an incomplete head
	// (it returned 0 and no error for b[:from]): a head arriving a byte
	// at a time is checked in linear time.
	ParseRequest func(req any, b []byte, from int) (n int, err error)
)

// HeadChecked, if set (by a test), is told how many bytes of a partial
// or complete request head ws checked byte by byte, for each check.
var HeadChecked func(n int)
