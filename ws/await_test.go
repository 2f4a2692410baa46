package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitParked polls until a goroutine waits in AwaitInput (a goroutine dump
// shows it), or fails after a deadline.
func waitParked(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if strings.Contains(string(buf[:n]), "ws.(*Conn).awaitInput(") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no goroutine waits in AwaitInput")
		}
		time.Sleep(time.Millisecond)
	}
}

// AwaitInput waits for input without reading a message: a bounded wait
// with nothing sent reports false, an unbounded one returns once the echo
// of a message is there, and ReadMessage then has all of it, also for a
// message many times the read buffer.
func TestAwaitInput(t *testing.T) {
	url, _ := startServer(t, newEcho(), nil)
	c := dial(t, url, nil)
	ctx := context.Background()
	if c.AwaitInput(5 * time.Millisecond) {
		t.Fatal("AwaitInput reported input nobody sent")
	}
	for _, size := range []int{10, 4 * DefaultReadBufferSize, 1 << 20} {
		msg := bytes.Repeat([]byte("x"), size)
		done := make(chan bool)
		go func() { done <- c.AwaitInput(0) }()
		waitParked(t)
		if err := c.WriteMessage(ctx, OpBinary, msg); err != nil {
			t.Fatal(err)
		}
		if !<-done {
			t.Fatal("AwaitInput(0) reported no input")
		}
		op, p, err := c.ReadMessage(ctx)
		if err != nil || op != OpBinary || !bytes.Equal(p, msg) {
			t.Fatalf("size %d: op %v, %d bytes, %v", size, op, len(p), err)
		}
		// A bounded wait that finds input reports it.
		if err := c.WriteMessage(ctx, OpText, []byte("hot")); err != nil {
			t.Fatal(err)
		}
		if !c.AwaitInput(10 * time.Second) {
			t.Fatal("AwaitInput(10s) reported no input")
		}
		if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "hot" {
			t.Fatalf("%q %v", p, err)
		}
	}
}

// Closing a connection whose reader waits in AwaitInput wakes it: it
// reports that ReadMessage has something to do, the end.
func TestAwaitInputClose(t *testing.T) {
	for _, name := range []string{"local", "peer"} {
		t.Run(name, func(t *testing.T) {
			h := newEcho()
			url, srv := startServer(t, h, nil)
			c := dial(t, url, nil)
			done := make(chan bool)
			go func() { done <- c.AwaitInput(0) }()
			waitParked(t)
			shut := make(chan error, 1)
			if name == "local" {
				_ = c.CloseNow()
				shut <- nil
			} else {
				// Shutdown returns once this side answered the close
				// frame: ReadMessage below does.
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					shut <- srv.Shutdown(ctx)
				}()
			}
			select {
			case ok := <-done:
				if !ok {
					t.Fatal("AwaitInput reported no input at the end")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("AwaitInput still waits after the close")
			}
			_, _, err := c.ReadMessage(context.Background())
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("ReadMessage after the close: %v", err)
			}
			if err := <-shut; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Pings and pongs that come alone do not end a wait in AwaitInput: it
// answers the ping itself (nothing else reads the connection here) and
// waits on until a message comes; a ping in the same read as a message
// is left to ReadMessage, which answers it too.
func TestAwaitInputKeepalive(t *testing.T) {
	c, r := upgradedPair(t)
	defer c.CloseNow()
	key := [4]byte{1, 2, 3, 4}
	send := func(frames ...[]byte) {
		t.Helper()
		if _, err := r.nc.Write(bytes.Join(frames, nil)); err != nil {
			t.Fatal(err)
		}
	}
	woke := make(chan bool, 1)
	go func() { woke <- c.AwaitInput(0) }()
	for _, p := range []string{"p1", "p2"} {
		send(AppendFrame(nil, OpPing, true, true, key, []byte(p)))
		ev, payload, err := r.next()
		if err != nil || ev.Kind != EventPong || string(payload) != p {
			t.Fatalf("ping %s: %v %q %v", p, ev.Kind, payload, err)
		}
	}
	send(AppendFrame(nil, OpPong, true, true, key, nil))
	select {
	case <-woke:
		t.Fatal("AwaitInput returned for pings and a pong")
	default:
	}
	send(AppendFrame(nil, OpPing, true, true, key, []byte("p3")), AppendFrame(nil, OpText, true, true, key, []byte("hi")))
	if !<-woke {
		t.Fatal("AwaitInput reported no input")
	}
	op, p, err := c.ReadMessage(context.Background())
	if err != nil || op != OpText || string(p) != "hi" {
		t.Fatalf("%v %q %v", op, p, err)
	}
	if ev, payload, err := r.next(); err != nil || ev.Kind != EventPong || string(payload) != "p3" {
		t.Fatalf("ping p3: %v %q %v", ev.Kind, payload, err)
	}
}

// An idle connection of a Server waits for input low on its stack, and a
// keepalive exchange (the peer's ping, answered) leaves it there: it does
// not wake the connection into ReadMessage.
func TestServerIdleAfterPing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: newEcho(), Options: &Options{PingInterval: -1}}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	defer func() {
		_ = ln.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()
	r := dialRaw(t, "ws://"+ln.Addr().String()+"/")
	// parked: the connection's goroutine waits in awaitData, none in
	// ReadMessage.
	parked := func() bool {
		buf := make([]byte, 1<<20)
		all := string(buf[:runtime.Stack(buf, true)])
		return strings.Contains(all, "ws.(*Conn).awaitData(") && !strings.Contains(all, "ws.(*Conn).ReadMessage(")
	}
	waitFor(t, "the connection's goroutine to wait in awaitData", parked)
	key := [4]byte{9, 8, 7, 6}
	if _, err := r.nc.Write(AppendFrame(nil, OpPing, true, true, key, []byte("ka"))); err != nil {
		t.Fatal(err)
	}
	if ev, p, err := r.next(); err != nil || ev.Kind != EventPong || string(p) != "ka" {
		t.Fatalf("%v %q %v", ev.Kind, p, err)
	}
	waitFor(t, "the connection's goroutine to wait in awaitData after the ping", parked)
	if _, err := r.nc.Write(AppendFrame(nil, OpText, true, true, key, []byte("hi"))); err != nil {
		t.Fatal(err)
	}
	if ev, p, err := r.next(); err != nil || ev.Kind != EventData || string(p) != "hi" {
		t.Fatalf("%v %q %v", ev.Kind, p, err)
	}
	_ = r.nc.Close() // the server's connection ends at once, not after Shutdown's close timeout
}
