//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

// Send writes b like Write, but without Write's admission against the
// watermarks: it is for a layer above that bounds its own output (ws's
// push-mode queue does: it counts Queued in its bound), so that a whole
// message it accepted is never refused here. The SlowReaderPolicy still
// applies to the queue that results (Pause stops reading above the high
// watermark, Close closes). For the loop goroutine only, like Write.
func (c *Conn) Send(b []byte) error {
	if c.loadState() != stateOpen || c.flags&fShutWr != 0 {
		return ErrClosed
	}
	if err := c.lp.releaseHeld(c); err != nil {
		return err
	}
	return c.lp.send(c, b)
}

// WantWritable asks, from a callback of c, for one OnWritable call once the write queue is at
// or below the low watermark: the next time the loop's flush brings it there. With the queue
// empty it does nothing (there is nothing to wait for). It costs no wake-up, unlike
// NotifyWritable, which other goroutines use: a layer that counts Queued (ws's outbound queue)
// calls it after each write that left bytes queued, so that it hears when they are gone.
func (c *Conn) WantWritable() {
	if len(c.outBuf()) > 0 {
		c.flags |= fWantWritable
	}
}
