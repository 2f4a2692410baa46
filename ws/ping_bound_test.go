package ws_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
)

// reviewOutput is a push driver that never sends: what is queued stays
// pending, as for a peer that reads nothing.
type reviewOutput struct {
	net.Conn // nil: only the methods below are called
	ready    atomic.Int64
}

func (f *reviewOutput) OutputReady()         { f.ready.Add(1) }
func (f *reviewOutput) Close() error         { return nil }
func (f *reviewOutput) RemoteAddr() net.Addr { return &net.TCPAddr{} }
func (f *reviewOutput) LocalAddr() net.Addr  { return &net.TCPAddr{} }

func reviewPushConn(t *testing.T, high int) *ws.Conn {
	t.Helper()
	c := ws.NewPushConn(&reviewOutput{}, ws.RoleServer, ws.Negotiated{}, &ws.Options{PingInterval: -1}, ws.OutputBounds{High: high}).Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// TestReviewPingBounded: Ping is a write like any other: past the hard
// bound (2×High) it fails with ErrQueueFull instead of queueing for ever
// for a peer that reads nothing.
func TestReviewPingBounded(t *testing.T) {
	const high = 4 << 10
	c := reviewPushConn(t, high)
	ctx := context.Background()
	payload := make([]byte, 125)
	var err error
	for i := 0; i < 100*high/len(payload) && err == nil; i++ {
		err = c.Ping(ctx, payload)
	}
	if !errors.Is(err, ws.ErrQueueFull) {
		t.Errorf("Ping past the bound: %v, want ErrQueueFull", err)
	}
	if p := c.Pending(); p > 2*high+ws.MaxHeaderSize+len(payload) {
		t.Fatalf("%d bytes pending for a peer that reads nothing, bound %d", p, 2*high)
	}
}
