package rawsocket_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// control returns a PING or PONG frame with payload p.
func control(t rawsocket.FrameType, p string) []byte {
	return append(rawsocket.AppendHeader(nil, t, len(p)), p...)
}

// readControl reads one frame from nc, within 10 s, and fails unless it is
// of type want with payload p.
func readControl(t *testing.T, nc net.Conn, want rawsocket.FrameType, p string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer nc.SetReadDeadline(time.Time{})
	var h [4]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		t.Fatal(err)
	}
	ft, n, err := rawsocket.ParseHeader(h[:])
	if err != nil || ft != want || n != len(p) {
		t.Fatalf("frame %v of %d octets (%v), want %v of %d", ft, n, err, want, len(p))
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(nc, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != p {
		t.Fatalf("payload %q, want %q", got, p)
	}
}

// expectNoWake fails if f has run (a negative check: what must not happen
// has had its chance while the test waited for the peer's side).
func expectNoWake(t *testing.T, woke <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-woke:
		t.Fatalf("%s woke the waiter", what)
	default:
	}
}

// A connection waiting in AwaitInputFunc answers PINGs that come alone
// and hands a PONG that comes alone to Ping, without waking f: it waits
// on in the poller, with no goroutine and no buffer of its own. A PING in
// front of a message is answered too, and the message wakes f.
func TestAwaitInputFuncPing(t *testing.T) {
	c, nc := peer(t)
	ctx := ctxT(t)
	base := runtime.NumGoroutine()
	woke := make(chan struct{}, 2)
	awaitFunc(t, c, func() { woke <- struct{}{} })
	for i := range 20 {
		p := fmt.Sprint("ping ", i)
		if _, err := nc.Write(control(rawsocket.FramePing, p)); err != nil {
			t.Fatal(err)
		}
		readControl(t, nc, rawsocket.FramePong, p)
		waitFor(t, "the connection back in the poller", func() bool { return rawsocket.IdleWaiters() == 1 })
	}
	// Two PINGs in one write, and an empty one.
	if _, err := nc.Write(append(control(rawsocket.FramePing, "a"), append(control(rawsocket.FramePing, "bc"), control(rawsocket.FramePing, "")...)...)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "bc", ""} {
		readControl(t, nc, rawsocket.FramePong, p)
	}
	// Our Ping's PONG arrives while the connection waits.
	pinged := make(chan error, 1)
	go func() { pinged <- c.Ping(ctx, []byte("ours")) }()
	readControl(t, nc, rawsocket.FramePing, "ours")
	if _, err := nc.Write(control(rawsocket.FramePong, "ours")); err != nil {
		t.Fatal(err)
	}
	if err := <-pinged; err != nil {
		t.Fatalf("Ping while the connection waits: %v", err)
	}
	waitFor(t, "no goroutine but the poller's", func() bool {
		return rawsocket.IdleWaiters() == 1 && runtime.NumGoroutine() <= base+1
	})
	if rawsocket.IdleBuffers(c) {
		t.Fatal("a connection waiting on after PINGs holds a buffer")
	}
	expectNoWake(t, woke, "a lone PING or PONG")
	// A PING and a message in one write: the PING is answered, the message wakes f.
	m := &wamp.Published{Request: 5, Publication: 6}
	if _, err := nc.Write(append(control(rawsocket.FramePing, "last"), regular(t, m)...)); err != nil {
		t.Fatal(err)
	}
	readControl(t, nc, rawsocket.FramePong, "last")
	<-woke
	got, err := c.Recv(ctx)
	if err != nil || got.(*wamp.Published).Request != m.Request {
		t.Fatalf("%v %v", got, err)
	}
	if w := rawsocket.IdleWaiters(); w != 0 {
		t.Fatalf("IdleWaiters %d after the message", w)
	}
}

// A PING that comes in pieces (its header first) wakes f, and Recv
// answers it: the waiting side answers only whole ones.
func TestAwaitInputFuncPingInPieces(t *testing.T) {
	c, nc := peer(t)
	ctx := ctxT(t)
	woke := make(chan struct{}, 2)
	awaitFunc(t, c, func() { woke <- struct{}{} })
	if _, err := nc.Write(rawsocket.AppendHeader(nil, rawsocket.FramePing, 2)); err != nil {
		t.Fatal(err)
	}
	<-woke
	got := make(chan error, 1)
	go func() {
		_, err := c.Recv(ctx)
		got <- err
	}()
	if _, err := nc.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	readControl(t, nc, rawsocket.FramePong, "hi")
	if _, err := nc.Write(regular(t, &wamp.Published{Request: 1, Publication: 2})); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// Where the PONG cannot be queued at once (the write queue is over
// Options.WriteQueue behind a write the peer does not read) the waiting
// side does not wait for room: the PING wakes f, and Recv answers it once
// the peer reads again.
func TestAwaitInputFuncPingQueueFull(t *testing.T) {
	c, nc := peerWith(t, rawsocket.Options{Serializer: json.Serializer{}, WriteQueue: 1})
	ctx := ctxT(t)
	// Socket buffers far smaller than 1 MiB (no autotuning): a 1 MiB write
	// waits for the peer to read.
	if err := c.NetConn().(*net.TCPConn).SetWriteBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	if err := nc.(*net.TCPConn).SetReadBuffer(128 << 10); err != nil {
		t.Fatal(err)
	}
	woke := make(chan struct{}, 2)
	awaitFunc(t, c, func() { woke <- struct{}{} })
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "com.example.big", Args: wamp.List{strings.Repeat("x", 1<<20)}}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(context.Background(), big) }()
	waitFor(t, "the big write under way", func() bool { return rawsocket.Writing(c) })
	// The queue now holds this one behind the big write: over its limit.
	small := &wamp.Published{Request: 2, Publication: 3}
	if err := c.Send(ctx, small); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(control(rawsocket.FramePing, "full")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("a PING with the write queue full did not wake the waiter")
	}
	recvd := make(chan error, 1)
	go func() {
		_, err := c.Recv(ctx)
		recvd <- err
	}()
	// The peer reads again: the big message, the small one, then the PONG.
	var h [4]byte
	for range 2 {
		if _, err := io.ReadFull(nc, h[:]); err != nil {
			t.Fatal(err)
		}
		_, n, err := rawsocket.ParseHeader(h[:])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, nc, int64(n)); err != nil {
			t.Fatal(err)
		}
	}
	readControl(t, nc, rawsocket.FramePong, "full")
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(regular(t, small)); err != nil {
		t.Fatal(err)
	}
	if err := <-recvd; err != nil {
		t.Fatal(err)
	}
}
