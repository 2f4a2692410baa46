package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// rawFrame is a masked client frame of n bytes of 'x'.
func rawFrame(fin bool, op ws.Opcode, n int) []byte {
	return ws.AppendFrame(nil, op, fin, true, [4]byte{1, 2, 3, 4}, bytes.Repeat([]byte("x"), n))
}

// closeCode reads what the server sends nc (after its handshake response)
// until a close frame, and returns its code.
func closeCode(t *testing.T, nc net.Conn) ws.StatusCode {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64<<10)
	var in []byte
	head := true
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient})
	for {
		n, err := nc.Read(buf)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		in = append(in, buf[:n]...)
		if head {
			i := bytes.Index(in, []byte("\r\n\r\n"))
			if i < 0 {
				continue
			}
			in, head = in[i+4:], false
		}
		for len(in) > 0 {
			k, ev, err := p.Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			in = in[k:]
			if ev.Kind == ws.EventClose {
				return ev.Code
			}
		}
	}
}

// TestMemoryBudgetLoop: the same budget bounds what connections on the
// loop hold. In: of two peers each starting a 600 KiB message under a
// 1 MiB budget, the second is failed with 1013 and the first is echoed.
// Out: a handler that writes to a peer that reads nothing gets
// ws.ErrMemoryBudget (which matches ws.ErrQueueFull) once the budget is
// exhausted, long before the connection's own bound (2 MiB here). Every
// byte comes back when the connections end.
func TestMemoryBudgetLoop(t *testing.T) {
	budget := ws.NewMemoryBudget(1 << 20)
	h := &budgetFlood{result: make(chan error, 1)}
	u, _ := serve(t, h, &ws.Options{MemoryBudget: budget, PingInterval: -1},
		eventloop.Config{Loops: 1, WriteHighWatermark: 1 << 20})
	a, b := silentPeer(t, u), silentPeer(t, u)
	if _, err := a.Write(rawFrame(false, ws.OpBinary, 600<<10)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first message charged", func() bool { return budget.Used() >= 600<<10 })
	if _, err := b.Write(rawFrame(false, ws.OpBinary, 600<<10)); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, b); code != ws.StatusTryAgainLater {
		t.Fatalf("over budget: closed with %v, want 1013", code)
	}
	_ = a.Close()
	waitUntil(t, "the first message given back", func() bool { return budget.Used() == 0 })

	c := silentPeer(t, u)
	if _, err := c.Write(rawFrame(true, ws.OpText, 5)); err != nil { // "flood"
		t.Fatal(err)
	}
	select {
	case err := <-h.result:
		if !errors.Is(err, ws.ErrMemoryBudget) || !errors.Is(err, ws.ErrQueueFull) {
			t.Fatalf("the flood ended with %v, want ws.ErrMemoryBudget", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the flood went on")
	}
	if n := h.written; n*(64<<10) > 2<<20 {
		t.Errorf("%d writes of 64 KiB queued under a 1 MiB budget", n)
	}
	_ = c.Close()
	waitUntil(t, "the output given back", func() bool { return budget.Used() == 0 })
	if budget.Refused() < 2 {
		t.Errorf("Refused() = %d, want at least 2", budget.Refused())
	}
}

// budgetFlood answers any message by writing 64 KiB messages to the same
// connection until a write fails.
type budgetFlood struct {
	ws.BaseHandler
	written int
	result  chan error
}

func (h *budgetFlood) OnMessage(c *ws.Conn, _ ws.Opcode, _ []byte) {
	msg := make([]byte, 64<<10)
	for {
		if err := c.WriteMessage(context.Background(), ws.OpBinary, msg); err != nil {
			h.result <- err
			return
		}
		h.written++
	}
}

// TestMessageTimeoutLoop: a message trickled a byte at a time and never
// finished is cut off after MessageTimeout with 1008 on the loop too.
func TestMessageTimeoutLoop(t *testing.T) {
	u, _ := serve(t, newEcho(), &ws.Options{PingInterval: 20 * time.Millisecond, PingTimeout: time.Minute, MessageTimeout: 200 * time.Millisecond}, eventloop.Config{Loops: 1})
	nc := silentPeer(t, u)
	if _, err := nc.Write(rawFrame(false, ws.OpBinary, 10)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := nc.Write(rawFrame(false, ws.OpContinuation, 1)); err != nil {
				return
			}
		}
	}()
	if code := closeCode(t, nc); code != ws.StatusPolicyViolation {
		t.Fatalf("closed with %v, want 1008", code)
	}
}
