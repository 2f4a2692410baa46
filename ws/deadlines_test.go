package ws_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// fakeServer accepts one WebSocket handshake on a loopback listener and
// hands the raw server side of the connection to the test.
func fakeServer(t *testing.T) (url string, peer <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			close(ch)
			return
		}
		var buf []byte
		var req ws.Request
		tmp := make([]byte, 4096)
		for {
			n, err := nc.Read(tmp)
			if err != nil {
				_ = nc.Close()
				close(ch)
				return
			}
			buf = append(buf, tmp[:n]...)
			if k, err := ws.ParseRequest(&req, buf, ws.HandshakeLimits{}); err != nil || k > 0 {
				break
			}
		}
		if _, err := nc.Write(ws.AppendResponse(nil, &req, "", "", nil)); err != nil {
			_ = nc.Close()
			close(ch)
			return
		}
		ch <- nc
	}()
	return "ws://" + ln.Addr().String() + "/", ch
}

// TestAwaitInputDeadlineDoesNotLeak: AwaitInput(d) leaves its deadline set
// on the socket for the next wait (a busy connection then does not change
// it twice per message), so every other read must clear it first. After a
// wait that timed out, a message that comes later is still read, and a
// Close that waits for the peer's close frame still ends by CloseTimeout.
func TestAwaitInputDeadlineDoesNotLeak(t *testing.T) {
	u, peers := fakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, u, &ws.Options{PingInterval: -1, CloseTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	peer := <-peers
	if peer == nil {
		t.Fatal("no server connection")
	}
	defer peer.Close()

	if c.AwaitInput(5 * time.Millisecond) {
		t.Fatal("AwaitInput reported input, none was sent")
	}
	// The deadline of that wait has passed: ReadMessage must not see it.
	frame := ws.AppendHeader(nil, ws.Header{Fin: true, Op: ws.OpText, Length: 5})
	frame = append(frame, "hello"...)
	if _, err := peer.Write(frame); err != nil {
		t.Fatal(err)
	}
	op, p, err := c.ReadMessage(context.Background())
	if err != nil || op != ws.OpText || !bytes.Equal(p, []byte("hello")) {
		t.Fatalf("ReadMessage after a timed-out AwaitInput: %v %q %v", op, p, err)
	}

	// Again, then Close with a peer that never answers: Close's own read
	// deadline must hold (not be cleared as if it were AwaitInput's).
	if c.AwaitInput(5 * time.Millisecond) {
		t.Fatal("AwaitInput reported input, none was sent")
	}
	done := make(chan error, 1)
	go func() { done <- c.Close(ws.StatusNormalClosure, "") }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = peer.Close()
		<-done
		t.Fatal("Close did not end by its CloseTimeout (300 ms) within 5 s")
	}
}

// TestWriteDeadlineCleared: a write sets nc's write deadline only when it
// differs from the one last set, so a write without a deadline after one
// with a deadline must still clear it: once that deadline has passed, later
// writes succeed.
func TestWriteDeadlineCleared(t *testing.T) {
	for d := 20 * time.Millisecond; !writeDeadlineCleared(t, d); d *= 2 {
		if d >= 1280*time.Millisecond {
			t.Fatalf("the write with a deadline did not end before it, up to %v", d)
		}
		t.Logf("the write with a deadline did not end within %v; again on a new connection", d)
	}
}

// writeDeadlineCleared is TestWriteDeadlineCleared on a new connection,
// the first write with a deadline d away. When that write does not end
// before its deadline (the test or the writer stalled for d), it fails and
// drops the connection: then it returns false, the test having shown
// nothing.
func writeDeadlineCleared(t *testing.T, d time.Duration) bool {
	t.Helper()
	u, peers := fakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, u, &ws.Options{PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ws.StatusNormalClosure, "")
	peer := <-peers
	if peer == nil {
		t.Fatal("no server connection")
	}
	defer peer.Close()
	go func() { _, _ = io.Copy(io.Discard, peer) }()

	short, cancelShort := context.WithTimeout(context.Background(), d)
	defer cancelShort()
	dl, _ := short.Deadline()
	if err := c.WriteMessage(short, ws.OpText, []byte("with a deadline")); err != nil {
		if short.Err() != nil {
			return false
		}
		t.Fatal(err)
	}
	for i := range 3 {
		if i == 1 {
			for time.Now().Before(dl.Add(10 * time.Millisecond)) {
				time.Sleep(time.Millisecond) // let the first write's deadline pass
			}
		}
		if err := c.WriteMessage(context.Background(), ws.OpText, []byte("without")); err != nil {
			t.Fatalf("write %d without a deadline after one with a deadline: %v", i, err)
		}
	}
	return true
}
