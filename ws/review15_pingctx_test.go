package ws

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPingCtxBehindStuckWrite: Ping returns ctx's error when ctx ends
// while it waits for the frame lock behind a write stuck on a peer that
// reads nothing. It waited for the lock whatever its ctx said, for as long
// as the write was stuck.
func TestPingCtxBehindStuckWrite(t *testing.T) {
	c, peer := loopbackPull(t, RoleServer, &Options{PingInterval: -1, CloseTimeout: 100 * time.Millisecond})
	wrote := stuckWrite(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	pinged := make(chan error, 1)
	go func() { pinged <- c.Ping(ctx, []byte("x")) }()
	select {
	case err := <-pinged:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Ping: %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		_ = peer.Close() // let both go
		<-pinged
		t.Error("Ping still waits past its ctx behind the stuck write")
	}
	_ = peer.Close()
	<-wrote
}
