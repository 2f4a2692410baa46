package ws

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// hookCtx is a context that ends within context.AfterFunc's hook, at the
// worst moment for a reader: when its read deadline is cleared after the
// hook was registered (see deadlineConn), the hook runs, and its deadline
// is set, before the clearing goes on; a hook registered after the
// clearing runs at once.
type hookCtx struct {
	context.Context // Background: no deadline, no values

	mu      sync.Mutex
	done    chan struct{}
	hook    func()
	cleared bool // a read deadline was cleared before the hook came
}

func newHookCtx() *hookCtx {
	return &hookCtx{Context: context.Background(), done: make(chan struct{})}
}

func (h *hookCtx) Done() <-chan struct{} { return h.done }

func (h *hookCtx) Err() error {
	select {
	case <-h.done:
		return context.Canceled
	default:
		return nil
	}
}

// AfterFunc is what context.AfterFunc uses to register its hook.
func (h *hookCtx) AfterFunc(f func()) func() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cleared {
		close(h.done)
		go f() // not here: context.AfterFunc holds a lock f takes
		return func() bool { return false }
	}
	h.hook = f
	return func() bool { return false }
}

// fire ends h and runs a registered hook; it reports whether there was one.
func (h *hookCtx) fire() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hook == nil {
		h.cleared = true
		return false
	}
	close(h.done)
	h.hook()
	h.hook = nil
	return true
}

// deadlineConn ends ctx when the read deadline is cleared, and then waits
// for the cancel hook's deadline (which context.AfterFunc sets from a
// goroutine of its own) before it clears it.
type deadlineConn struct {
	*net.TCPConn
	ctx  *hookCtx
	past chan struct{} // a deadline in the past was set
}

func (d *deadlineConn) SetReadDeadline(t time.Time) error {
	switch {
	case t.IsZero():
		if d.ctx.fire() {
			<-d.past
		}
	case t.Before(time.Now()):
		defer func() {
			select {
			case d.past <- struct{}{}:
			default:
			}
		}()
	}
	return d.TCPConn.SetReadDeadline(t)
}

// TestReadCancelAfterAwaitHot: a read whose context ends while the read
// deadline AwaitInput(d) left is still set returns the context's error.
// ReadMessage cleared awaitHot's deadline after it had registered its
// cancel hook: when the hook ran first, the clearing undid its deadline
// and ReadMessage waited for input past its context (a server's
// connection goroutine, whose context ends at shutdown, hung there; with
// a context that had ended already, about one read in 50 did).
func TestReadCancelAfterAwaitHot(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, _ := ln.Accept()
		accepted <- nc
	}()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	nc, _ := (<-accepted).(*net.TCPConn)
	if nc == nil {
		t.Fatal("accept failed")
	}
	ctx := newHookCtx()
	dc := &deadlineConn{TCPConn: nc, ctx: ctx, past: make(chan struct{}, 1)}
	c := NewConn(dc, RoleServer, nil, Negotiated{}, &Options{PingInterval: -1, CloseTimeout: 100 * time.Millisecond})
	defer c.Close(StatusNormalClosure, "")
	c.p.rc = rawio.RawConn(nc) // reads raw, as over nc itself
	if c.p.rc == nil {
		t.Skip("no raw reads here: AwaitInput sets no deadline")
	}
	if c.AwaitInput(time.Millisecond) {
		t.Fatal("AwaitInput: input without a peer's write")
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadMessage: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		_ = nc.Close() // let the reader go
		<-done
		t.Fatal("ReadMessage with an ended context still waits for input")
	}
}
