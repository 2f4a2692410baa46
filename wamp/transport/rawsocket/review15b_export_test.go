package rawsocket

// PayloadCap reports the capacity of the payload buffer c keeps between
// frames (tests).
func PayloadCap(c *Conn) int { return cap(c.buf) }
