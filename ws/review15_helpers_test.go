package ws

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
)

// stuckWrite starts a 16 MiB WriteMessage on c, a Conn whose peer reads
// nothing, and waits until it holds the frame lock (or has ended
// already); the write's error comes on the returned channel once the
// connection ends.
func stuckWrite(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	wrote := make(chan error, 1)
	var ended atomic.Bool
	go func() {
		err := c.WriteMessage(context.Background(), OpBinary, make([]byte, 16<<20))
		ended.Store(true)
		wrote <- err
	}()
	waitFor(t, "the message holding the frame lock", func() bool {
		// A keepalive the caller set may end the connection, and with
		// it the write, before this sees the lock taken (a loaded
		// machine runs this late): the write is over, as stuck as it
		// will be.
		if ended.Load() {
			return true
		}
		if c.p.frameMu.TryLock() {
			c.p.frameMu.Unlock()
			return false
		}
		return true
	})
	return wrote
}

// pullBehindStuckWrite is loopbackPull with a reader running (its error
// on read) and a write stuck on the peer (stuckWrite).
func pullBehindStuckWrite(t *testing.T, opts *Options) (c *Conn, peer net.Conn, read, wrote <-chan error) {
	t.Helper()
	c, peer = loopbackPull(t, RoleServer, opts)
	r := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		r <- err
	}()
	return c, peer, r, stuckWrite(t, c)
}
