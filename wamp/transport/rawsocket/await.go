package rawsocket

import "time"

// AwaitInput waits, without reading a frame, until Recv has something to
// do: input is buffered, or the connection has a reason to wake its reader
// (an error, its end, Close). d > 0 bounds the wait (with the connection's
// read deadline, which it then clears), d <= 0 waits as long as it takes;
// false means d passed with nothing read. Call it from the goroutine that
// calls Recv, between Recv calls: the payload Recv decoded last is not
// kept.
//
// A server with a goroutine per connection lets an idle connection wait
// here on a fresh goroutine with the smallest stack instead of deep in
// Recv (wamp/router does, for Router.Attach); the connection then holds no
// read buffer either. Where reads do not go around net.Conn (TLS) it
// returns true at once, and Recv waits.
func (c *Conn) AwaitInput(d time.Duration) bool {
	select {
	case <-c.closed:
		return true
	default:
	}
	if c.raw == nil {
		return true
	}
	if d <= 0 {
		c.buf = nil // an idle connection holds no payload buffer
	}
	return c.raw.await(c.nc, d)
}
