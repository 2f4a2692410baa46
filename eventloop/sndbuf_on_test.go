//go:build linux && eventloop_goroutines

package eventloop

// boundSendBuffer sets the kernel's send buffer of c to n bytes (SO_SNDBUF), so that a peer
// that reads nothing leaves the rest of the output in c's queue. The fallback has no Fd: the
// buffer is set through the net.Conn. Left alone it grows with the traffic (up to tcp_wmem's
// maximum, 4 MiB by default), and the writer goroutine drains the queue into it.
func boundSendBuffer(c *Conn, n int) {
	if wb, ok := c.nc.(interface{ SetWriteBuffer(int) error }); ok {
		_ = wb.SetWriteBuffer(n)
	}
}
