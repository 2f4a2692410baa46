//go:build linux

package eventloop

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestReviewShutdownForcedEveryBackend: peers that read nothing keep their queues, Shutdown's
// context ends the wait on every backend, and each connection gets exactly one OnClose, with
// ErrShutdown (checked: it does).
func TestReviewShutdownForcedEveryBackend(t *testing.T) {
	const n = 8
	var mu sync.Mutex
	closes := map[*Conn][]error{}
	big := make([]byte, 1<<20)
	l, err := New(Config{Loops: 2, WriteHighWatermark: 4 << 20, CloseTimeout: time.Hour}, &funcs{
		open: func(c *Conn) {
			boundSendBuffer(c, 4096)
			c.Write(big)
		},
		close: func(c *Conn, err error) {
			mu.Lock()
			closes[c] = append(closes[c], err)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	for i := 0; i < n; i++ {
		c := dialStd(t, a.String())
		c.SetReadBuffer(4096)
	}
	waitFor(t, "every connection open", func() bool { return l.Stats().Conns == n })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := l.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown with queues a peer never reads: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(closes) != n {
		t.Fatalf("%d connections got OnClose, want %d", len(closes), n)
	}
	for _, errs := range closes {
		if len(errs) != 1 || errs[0] != ErrShutdown {
			t.Fatalf("OnClose calls: %v, want one with ErrShutdown", errs)
		}
	}
	if st := l.Stats(); st.Conns != 0 || st.Closed != n {
		t.Fatalf("after Shutdown: %+v", st)
	}
}
