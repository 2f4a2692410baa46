package rawsocket

import "github.com/autobahn-go/autobahn/internal/idlepoll"

// IdleBuffers reports whether c holds a read or payload buffer (tests).
// While c waits in AwaitInputFunc its wake-up reads on a goroutine of
// its own: the poller's lock, taken before and after, orders this look
// after the waiting side's last steps and before the next wake-up.
func IdleBuffers(c *Conn) bool {
	idlepoll.Waiters()
	held := c.buf != nil || (c.raw != nil && c.raw.buf != nil)
	idlepoll.Waiters()
	return held
}

// Buffered reports how many octets c has read and not consumed (tests).
func Buffered(c *Conn) int { return c.r.Buffered() }

// Writing reports whether c has frames queued or a write under way (tests).
func Writing(c *Conn) bool { return !c.wq.Reusable() }
