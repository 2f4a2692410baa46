package ws

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// rawFrame is a masked client frame of n bytes of 'x'.
func rawFrame(fin bool, op Opcode, n int) []byte {
	return AppendFrame(nil, op, fin, true, [4]byte{1, 2, 3, 4}, bytes.Repeat([]byte("x"), n))
}

// TestMemoryBudgetInbound (goroutine driver): two peers each start a
// 600 KiB message under a 1 MiB budget. The second one does not fit: its
// connection is failed with 1013 (try again later), the first one's
// message completes and is echoed, and every byte charged comes back.
func TestMemoryBudgetInbound(t *testing.T) {
	budget := NewMemoryBudget(1 << 20)
	u, _ := startServer(t, newEcho(), &Options{MemoryBudget: budget, PingInterval: -1})
	a, b := dialRaw(t, u), dialRaw(t, u)
	if _, err := a.nc.Write(rawFrame(false, OpBinary, 600<<10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first message charged", func() bool { return budget.Used() >= 600<<10 })
	if _, err := b.nc.Write(rawFrame(false, OpBinary, 600<<10)); err != nil {
		t.Fatal(err)
	}
	if _, code := b.closeFrame(); code != StatusTryAgainLater {
		t.Fatalf("over budget: closed with %v, want 1013", code)
	}
	if _, err := a.nc.Write(rawFrame(true, OpContinuation, 10)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := a.next(); err != nil || len(msg) != 600<<10+10 {
		t.Fatalf("the message within the budget: %d bytes, %v", len(msg), err)
	}
	waitFor(t, "every byte given back", func() bool { return budget.Used() == 0 })
	if budget.Refused() != 1 {
		t.Errorf("Refused() = %d, want 1", budget.Refused())
	}
}

// TestMessageTimeout (goroutine driver): a peer that starts a message and
// then trickles it, a byte at a time and never finishing, keeps the
// connection busy (no keepalive ping would catch it) but not for longer
// than MessageTimeout: it is closed with 1008.
func TestMessageTimeout(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Minute, MessageTimeout: 200 * time.Millisecond})
	a := dialRaw(t, u)
	stop := trickle(t, a.nc)
	defer close(stop)
	if _, code := a.closeFrame(); code != StatusPolicyViolation {
		t.Fatalf("closed with %v, want 1008", code)
	}
}

// trickle starts a message on nc and sends a byte of it every 5 ms until
// stop is closed or a write fails.
func trickle(t *testing.T, nc net.Conn) chan struct{} {
	t.Helper()
	if _, err := nc.Write(rawFrame(false, OpBinary, 10)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := nc.Write(rawFrame(false, OpContinuation, 1)); err != nil {
				return
			}
		}
	}()
	return stop
}
