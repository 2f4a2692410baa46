//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || eventloop_goroutines

package eventloop

// Send writes b like Write, but without Write's admission against the
// watermarks: it is for a layer above that bounds its own output (ws's
// push-mode queue does: it counts Queued in its bound), so that a whole
// message it accepted is never refused here.
func (c *Conn) Send(b []byte) error {
	return c.enqueue(b, false)
}

// WantWritable asks, from a callback of c, for one OnWritable call once the write queue is at
// or below the low watermark. With the queue empty it does nothing.
func (c *Conn) WantWritable() {
	c.mu.Lock()
	if len(c.out) > 0 && c.state.Load() == stateOpen {
		c.wantWritable = true
	}
	c.mu.Unlock()
}
