//go:build linux

package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/idlepoll"
)

func skipNoIdlePoll(t *testing.T) {
	t.Helper()
	if !idlepoll.Supported {
		t.Skip("AwaitInputFunc has no poller on this system")
	}
}

// waitGoroutines polls until at most n goroutines run, or fails.
func waitGoroutines(t *testing.T, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d goroutines, want at most %d", what, runtime.NumGoroutine(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Connections waiting in AwaitInputFunc hold no goroutine each (only the
// shared poller's), hold no read buffer or Parser, and each f runs once its
// input is there: ReadMessage then reads the message. Once none waits the
// poller's goroutine ends too.
func TestAwaitInputFunc(t *testing.T) {
	skipNoIdlePoll(t)
	url, _ := startServer(t, newEcho(), nil)
	const n = 40
	conns := make([]*Conn, n)
	for i := range conns {
		conns[i] = dial(t, url, nil)
		// A first message leaves a read buffer and a Parser behind.
		if err := conns[i].WriteMessage(context.Background(), OpText, []byte("warm")); err != nil {
			t.Fatal(err)
		}
		if _, p, err := conns[i].ReadMessage(context.Background()); err != nil || string(p) != "warm" {
			t.Fatalf("%q %v", p, err)
		}
	}
	base := runtime.NumGoroutine()
	woke := make(chan int, n)
	for i, c := range conns {
		if !c.AwaitInputFunc(func() { woke <- i }) {
			t.Fatal("AwaitInputFunc refused a plain TCP connection")
		}
		if c.p.rbig != nil || c.parser != nil || c.msg != nil {
			t.Fatalf("a waiting connection holds a read buffer %v, Parser %v or message %v", c.p.rbig != nil, c.parser != nil, c.msg != nil)
		}
	}
	// n waiting connections: no goroutine of their own, one poller.
	if g := runtime.NumGoroutine(); g > base+1 {
		t.Fatalf("%d connections waiting: %d goroutines, %d before", n, g, base)
	}
	select {
	case i := <-woke:
		t.Fatalf("connection %d woke with nothing sent", i)
	case <-time.After(20 * time.Millisecond):
	}
	for i, c := range conns {
		msg := fmt.Sprint("m", i)
		if err := c.WriteMessage(context.Background(), OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if got := <-woke; got != i {
			t.Fatalf("woke %d, want %d", got, i)
		}
		if _, p, err := c.ReadMessage(context.Background()); err != nil || string(p) != msg {
			t.Fatalf("%q %v", p, err)
		}
	}
	waitGoroutines(t, base, "nothing waits")
}

// The end of a waiting connection wakes it, whether this side closes it
// (Close, CloseNow) or the peer does; ReadMessage then reports the end.
func TestAwaitInputFuncEnd(t *testing.T) {
	skipNoIdlePoll(t)
	for _, name := range []string{"closenow", "close", "peer"} {
		t.Run(name, func(t *testing.T) {
			h := newEcho()
			url, srv := startServer(t, h, &Options{CloseTimeout: 5 * time.Second})
			c := dial(t, url, nil)
			woke := make(chan struct{})
			if !c.AwaitInputFunc(func() { close(woke) }) {
				t.Fatal("AwaitInputFunc refused")
			}
			shut := make(chan error, 1)
			switch name {
			case "closenow":
				shut <- c.CloseNow()
			case "close":
				go func() { shut <- c.Close(StatusNormalClosure, "") }()
			case "peer":
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					shut <- srv.Shutdown(ctx)
				}()
			}
			select {
			case <-woke:
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter did not wake at the end")
			}
			if _, _, err := c.ReadMessage(context.Background()); !errors.Is(err, ErrClosed) {
				t.Fatalf("ReadMessage after the end: %v", err)
			}
			if err := <-shut; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Pings and pongs that come alone are answered and do not wake the
// waiter, which keeps waiting without a goroutine; a message does.
func TestAwaitInputFuncKeepalive(t *testing.T) {
	skipNoIdlePoll(t)
	c, r := upgradedPair(t)
	defer c.CloseNow()
	key := [4]byte{1, 2, 3, 4}
	send := func(frames ...[]byte) {
		t.Helper()
		if _, err := r.nc.Write(bytes.Join(frames, nil)); err != nil {
			t.Fatal(err)
		}
	}
	woke := make(chan struct{}, 1)
	if !c.AwaitInputFunc(func() { woke <- struct{}{} }) {
		t.Fatal("AwaitInputFunc refused")
	}
	// waitKey waits until c waits in the poller under a key other than
	// old's (keys are never reused), and returns it.
	waitKey := func(old uint64) uint64 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if k := idleKey(c); k != 0 && k != old {
				return k
			}
			if time.Now().After(deadline) {
				t.Fatal("the connection does not wait in the poller again")
			}
			time.Sleep(time.Millisecond)
		}
	}
	k := waitKey(0)
	for _, p := range []string{"p1", "p2"} {
		send(AppendFrame(nil, OpPing, true, true, key, []byte(p)))
		ev, payload, err := r.next()
		if err != nil || ev.Kind != EventPong || string(payload) != p {
			t.Fatalf("ping %s: %v %q %v", p, ev.Kind, payload, err)
		}
		k = waitKey(k)
	}
	send(AppendFrame(nil, OpPong, true, true, key, nil))
	waitKey(k)
	select {
	case <-woke:
		t.Fatal("the waiter woke for pings and a pong")
	default:
	}
	send(AppendFrame(nil, OpText, true, true, key, []byte("hi")))
	<-woke
	op, p, err := c.ReadMessage(context.Background())
	if err != nil || op != OpText || string(p) != "hi" {
		t.Fatalf("%v %q %v", op, p, err)
	}
}

// Where input is buffered already AwaitInputFunc refuses: ReadMessage has
// something to do at once.
func TestAwaitInputFuncBuffered(t *testing.T) {
	skipNoIdlePoll(t)
	url, _ := startServer(t, newEcho(), nil)
	c := dial(t, url, nil)
	ctx := context.Background()
	// Two echoes in one read, most likely: wait until both are there.
	if err := c.WriteMessage(ctx, OpText, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, OpText, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "a" {
		t.Fatalf("%q %v", p, err)
	}
	if c.buffered() {
		if c.AwaitInputFunc(func() { t.Error("f ran") }) {
			t.Fatal("AwaitInputFunc waits with input buffered")
		}
	} else {
		woke := make(chan struct{})
		if !c.AwaitInputFunc(func() { close(woke) }) {
			t.Fatal("AwaitInputFunc refused")
		}
		<-woke
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "b" {
		t.Fatalf("%q %v", p, err)
	}
}

// idleKey returns c's last key in the poller (0: none yet); a new key
// means c waits there again.
func idleKey(c *Conn) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.p.idleKey
}

// A waiter's f runs exactly once when its input and its end race (the
// poller's event and shutdown's wake-up), and nothing is left waiting.
func TestAwaitInputFuncRace(t *testing.T) {
	skipNoIdlePoll(t)
	url, _ := startServer(t, newEcho(), nil)
	const n = 30
	runs := make(chan int, 2*n)
	for i := range n {
		c := dial(t, url, nil)
		if !c.AwaitInputFunc(func() { runs <- i }) {
			t.Fatal("AwaitInputFunc refused")
		}
		go func() { _ = c.WriteMessage(context.Background(), OpText, []byte("x")) }()
		go func() { _ = c.CloseNow() }()
	}
	seen := make(map[int]bool)
	for range n {
		i := <-runs
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
	if w := IdleWaiters(); w != 0 {
		t.Fatalf("%d connections still wait", w)
	}
}
