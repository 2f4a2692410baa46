package rawsocket_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// awaitFunc calls c.AwaitInputFunc(f) and fails if it refuses on Linux
// (it skips the test elsewhere).
func awaitFunc(t *testing.T, c *rawsocket.Conn, f func()) {
	t.Helper()
	if !c.AwaitInputFunc(f) {
		if runtime.GOOS == "linux" {
			t.Fatal("AwaitInputFunc refused a plain TCP connection on Linux")
		}
		t.Skip("AwaitInputFunc waits without a goroutine on Linux only")
	}
}

// waitFor polls cond until it holds, or fails after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Connections waiting in AwaitInputFunc hold no goroutine each (only the
// shared poller's) and no read or payload buffer; nothing wakes them with
// nothing sent, and each f runs once its input is there: Recv then
// returns the message.
func TestAwaitInputFunc(t *testing.T) {
	const n = 40
	conns := make([]*rawsocket.Conn, n)
	peers := make([]interface{ Write([]byte) (int, error) }, n)
	ctx := ctxT(t)
	warm := &wamp.Published{Request: 1, Publication: 2}
	for i := range conns {
		c, nc := peer(t)
		conns[i], peers[i] = c, nc
		// A first message leaves a payload buffer behind.
		if _, err := nc.Write(regular(t, warm)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	base := runtime.NumGoroutine()
	woke := make(chan int, 2*n)
	for i, c := range conns {
		awaitFunc(t, c, func() { woke <- i })
		if rawsocket.IdleBuffers(c) {
			t.Fatal("a waiting connection holds a buffer")
		}
	}
	if g := runtime.NumGoroutine(); g > base+1 {
		t.Fatalf("%d connections waiting: %d goroutines, %d before", n, g, base)
	}
	if w := rawsocket.IdleWaiters(); w != n {
		t.Fatalf("IdleWaiters %d, want %d", w, n)
	}
	select {
	case i := <-woke:
		t.Fatalf("connection %d woke with nothing sent", i)
	case <-time.After(20 * time.Millisecond):
	}
	for i, c := range conns {
		m := &wamp.Published{Request: wamp.ID(i + 1), Publication: 7}
		if _, err := peers[i].Write(regular(t, m)); err != nil {
			t.Fatal(err)
		}
		if got := <-woke; got != i {
			t.Fatalf("woke %d, want %d", got, i)
		}
		got, err := c.Recv(ctx)
		if err != nil || got.(*wamp.Published).Request != m.Request {
			t.Fatalf("%v %v", got, err)
		}
	}
	select {
	case i := <-woke:
		t.Fatalf("connection %d woke twice", i)
	case <-time.After(20 * time.Millisecond):
	}
	if w := rawsocket.IdleWaiters(); w != 0 {
		t.Fatalf("IdleWaiters %d after all woke", w)
	}
}

// The end of a waiting connection wakes it, once, whether this side
// closes it (Close) or the peer does; Recv then reports the end, and
// after Close AwaitInputFunc refuses.
func TestAwaitInputFuncEnd(t *testing.T) {
	for _, name := range []string{"close", "peer"} {
		t.Run(name, func(t *testing.T) {
			c, nc := peer(t)
			woke := make(chan struct{}, 2)
			awaitFunc(t, c, func() { woke <- struct{}{} })
			if name == "close" {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				nc.Close()
			}
			select {
			case <-woke:
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter did not wake at the end")
			}
			_, err := c.Recv(context.Background())
			if err == nil {
				t.Fatal("Recv after the end succeeded")
			}
			if name == "close" {
				if !errors.Is(err, rawsocket.ErrClosed) {
					t.Fatalf("Recv after Close: %v", err)
				}
				if c.AwaitInputFunc(func() { t.Error("f ran") }) {
					t.Fatal("AwaitInputFunc waits after Close")
				}
			}
			select {
			case <-woke:
				t.Fatal("f ran twice")
			case <-time.After(20 * time.Millisecond):
			}
		})
	}
}

// A waiter's f runs exactly once when its input and Close race, and
// nothing is left waiting.
func TestAwaitInputFuncRace(t *testing.T) {
	const n = 30
	runs := make(chan int, 2*n)
	frame := regular(t, &wamp.Published{Request: 1, Publication: 2})
	for i := range n {
		c, nc := peer(t)
		awaitFunc(t, c, func() { runs <- i })
		go func() { _, _ = nc.Write(frame) }()
		go func() { _ = c.Close() }()
	}
	seen := make(map[int]bool)
	for range n {
		var i int
		select {
		case i = <-runs:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d waiters woke", len(seen), n)
		}
		if seen[i] {
			t.Fatalf("f of %d ran twice", i)
		}
		seen[i] = true
	}
	select {
	case i := <-runs:
		t.Fatalf("f of %d ran again", i)
	case <-time.After(50 * time.Millisecond):
	}
	waitFor(t, "no waiters", func() bool { return rawsocket.IdleWaiters() == 0 })
}

// Where input is buffered already AwaitInputFunc refuses: Recv has
// something to do at once.
func TestAwaitInputFuncBuffered(t *testing.T) {
	c, nc := peer(t)
	ctx := ctxT(t)
	a, b := &wamp.Published{Request: 1, Publication: 2}, &wamp.Published{Request: 3, Publication: 4}
	if _, err := nc.Write(append(regular(t, a), regular(t, b)...)); err != nil {
		t.Fatal(err)
	}
	if !c.AwaitInput(0) {
		t.Fatal("AwaitInput(0) reported no input")
	}
	if m, err := c.Recv(ctx); err != nil || m.(*wamp.Published).Request != 1 {
		t.Fatalf("%v %v", m, err)
	}
	woke := make(chan struct{}, 2)
	if rawsocket.Buffered(c) > 0 {
		if c.AwaitInputFunc(func() { t.Error("f ran") }) {
			t.Fatal("AwaitInputFunc waits with input buffered")
		}
	} else {
		awaitFunc(t, c, func() { woke <- struct{}{} })
		<-woke
	}
	if m, err := c.Recv(ctx); err != nil || m.(*wamp.Published).Request != 3 {
		t.Fatalf("%v %v", m, err)
	}
}
