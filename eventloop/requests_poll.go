//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

// handleWakes serves the requests other goroutines queued for their connections (enqueue):
// AsyncWrite's data, PauseRead and ResumeRead, Wake and NotifyWritable.
func (lp *loop) handleWakes() {
	lp.wakePending.Store(false)
	lp.mu.Lock()
	tasks, wakes := lp.tasks, lp.wakes
	lp.tasks, lp.wakes = lp.spareTasks[:0], lp.spareWakes[:0]
	lp.mu.Unlock()
	lp.stats.wakeups.Add(1)
	for i, t := range tasks {
		t()
		tasks[i] = nil
	}
	for i, c := range wakes {
		wakes[i] = nil
		// Cleared before rare is loaded: an AsyncWrite that makes rare later queues c again.
		af := c.aflags.And(^aAsync)
		var buf []byte
		slow := false
		if r := c.rare.Load(); r != nil {
			r.mu.Lock()
			switch {
			case c.loadState() != stateOpen:
				// Closing: settle sends what AsyncWrite accepted before the close.
			case len(c.outBuf()) <= lp.cfg.WriteHighWatermark:
				buf = r.takeAsync()
			case len(r.async) > 0 && lp.cfg.SlowReader == SlowReaderClose:
				// It would join output queued past the high watermark: the peer is judged slow, as
				// a Write joining that queue would be (the queue may hold one large write whole).
				slow = true
			case len(r.async) > 0:
				// Hold it back until the queue drains: AsyncWrite reports ErrQueueFull meanwhile.
				c.flags |= fAsyncHeld
			}
			r.mu.Unlock()
		}
		if slow {
			lp.fail(c, ErrSlowReader)
		}
		if c.loadState() == stateClosed {
			continue
		}
		if len(buf) > 0 {
			// Taken while open: it goes out even if Close came since, ahead of the close.
			lp.send(c, buf)
		}
		lp.syncPause(c)
		if c.flags&fUserPaused == 0 {
			// Perhaps a PauseRead undone before the loop applied it (every PauseRead queues c
			// here): meanwhile the wheel may have let c go (expiry leaves the idle time out while
			// a pause is requested), which would leave the idle timeout off and its 32-bit time
			// unread. Not in deliver's syncPause: this pass follows every request.
			lp.arm(c)
		}
		if c.flags&fResumed != 0 {
			// Resumed (here or since the request) with input OnData left: offer it again without
			// waiting for more. Every ResumeRead is followed by this pass.
			c.flags &^= fResumed
			if len(c.inBuf()) > 0 && c.loadState() == stateOpen {
				lp.deliver(c, nil)
			}
		}
		call := af&aWake != 0
		if af&aNotify != 0 {
			if len(c.outBuf()) <= lp.cfg.WriteLowWatermark {
				c.flags &^= fWantWritable
				call = true
			} else {
				// flush calls OnWritable once the queue falls to the low watermark.
				c.flags |= fWantWritable
			}
		}
		if call && c.loadState() == stateOpen {
			lp.h.OnWritable(c)
		}
		lp.settle(c)
	}
	lp.spareTasks, lp.spareWakes = tasks[:0], wakes[:0]
}
