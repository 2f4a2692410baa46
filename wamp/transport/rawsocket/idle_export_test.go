package rawsocket

// IdleBuffers reports whether c holds a read or payload buffer (tests).
func IdleBuffers(c *Conn) bool { return c.buf != nil || (c.raw != nil && c.raw.buf != nil) }

// Buffered reports how many octets c has read and not consumed (tests).
func Buffered(c *Conn) int { return c.r.Buffered() }
