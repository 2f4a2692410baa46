package ws_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/ws"
)

// r16bTCPPair returns the two ends of a loopback TCP connection.
func r16bTCPPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
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
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-accepted
	if b == nil {
		a.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// r16bReadFrame reads one frame from a server (unmasked, short) on br and
// returns its opcode byte and payload.
func r16bReadFrame(t *testing.T, br *bufio.Reader) (byte, []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatalf("reading the server's frame: %v", err)
	}
	p := make([]byte, h[1]&0x7f)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatalf("reading the frame's payload: %v", err)
	}
	return h[0], p
}

// r16bMaskedClose is a client's close frame with code 1000 (mask key 0).
const r16bMaskedClose = "\x88\x82\x00\x00\x00\x00\x03\xe8"

// TestReview16bCloseTimeoutOffClose: with a negative Options.CloseTimeout
// (off, Options: "a negative value turns a limit or timer off") Close
// sends its close frame and waits for the peer's answer. The close
// handshake's deadline was "now": the close frame's write failed at once
// on its deadline, the connection was dropped and the peer never got a
// close frame (it read the end of the connection).
func TestReview16bCloseTimeoutOffClose(t *testing.T) {
	srvSide, peer := r16bTCPPair(t)
	c := ws.NewConn(srvSide, ws.RoleServer, nil, ws.Negotiated{}, &ws.Options{CloseTimeout: -1})
	closed := make(chan error, 1)
	go func() { closed <- c.Close(ws.StatusNormalClosure, "bye") }()
	_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(peer)
	if op, p := r16bReadFrame(t, br); op != 0x88 || len(p) < 2 || p[0] != 0x03 || p[1] != 0xe8 {
		t.Fatalf("frame %#x %q, want a close frame with 1000", op, p)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the peer answered, with no CloseTimeout", err)
	default:
	}
	if _, err := io.WriteString(peer, r16bMaskedClose); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the close handshake the peer read %d, %v; want EOF", n, err)
	}
	_, _, err := c.ReadMessage(context.Background())
	var ce *ws.CloseError
	if !errors.As(err, &ce) || !ce.WasClean || ce.Code != ws.StatusNormalClosure {
		t.Fatalf("the connection's end: %v, want a clean 1000", err)
	}
}

// TestReview16bShutdownCloseTimeoutOff: with CloseTimeout off,
// Server.Shutdown sends every connection its close frame and waits for
// the answers, bounded by its ctx alone. Its timer of 0 made it drop
// every connection at once, and the close frame's write (its deadline
// "now") failed before that: the peer got no close frame.
func TestReview16bShutdownCloseTimeoutOff(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{CloseTimeout: -1}}
	addr := r16Serve(t, srv)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, testpeer.UpgradeRequest); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v, %v", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	if op, p := r16bReadFrame(t, br); op != 0x88 || len(p) < 2 || p[0] != 0x03 || p[1] != 0xe9 {
		t.Fatalf("frame %#x %q, want a close frame with 1001", op, p)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the peer answered, with no CloseTimeout", err)
	default:
	}
	if _, err := io.WriteString(nc, r16bMaskedClose); err != nil {
		t.Fatal(err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v, want nil (every connection closed cleanly)", err)
	}
}

// TestReview16bCloseTimeoutOffPong: with CloseTimeout off, the answer to
// a peer's ping goes out. The pong's write, bounded by CloseTimeout, had
// the deadline "now": it failed, and every ping from the peer dropped the
// connection.
func TestReview16bCloseTimeoutOffPong(t *testing.T) {
	srvSide, peer := r16bTCPPair(t)
	c := ws.NewConn(srvSide, ws.RoleServer, nil, ws.Negotiated{}, &ws.Options{CloseTimeout: -1, PingInterval: -1})
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(peer, "\x89\x82\x00\x00\x00\x00hi"); err != nil { // a masked ping "hi"
		t.Fatal(err)
	}
	br := bufio.NewReader(peer)
	if op, p := r16bReadFrame(t, br); op != 0x8a || string(p) != "hi" {
		t.Fatalf("frame %#x %q, want the pong %q", op, p, "hi")
	}
	if _, err := io.WriteString(peer, "\x81\x82\x00\x00\x00\x00ok"); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatalf("ReadMessage after the ping: %v", err)
	}
	c.CloseNow()
}
