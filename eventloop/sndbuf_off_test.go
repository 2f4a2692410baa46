//go:build linux && !eventloop_goroutines

package eventloop

// boundSendBuffer sets the kernel's send buffer of c to n bytes (SO_SNDBUF), so that a peer
// that reads nothing leaves the rest of the output in c's queue.
func boundSendBuffer(c *Conn, n int) { setSndBuf(c.Fd(), n) }
