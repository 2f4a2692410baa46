package wsloop_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// floodOnAsk answers "flood" by writing 64 KiB messages until a write
// fails (on the loop that is ErrQueueFull at once), else echoes.
type floodOnAsk struct{ ws.BaseHandler }

func (floodOnAsk) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	if string(p) != "flood" {
		_ = c.WriteMessage(context.Background(), ws.OpText, p)
		return
	}
	big := make([]byte, 64<<10)
	for c.WriteMessage(context.Background(), ws.OpBinary, big) == nil {
	}
}

// TestShutdownParallelBounded: 200 clients that answer and 3 peers that
// read nothing (their buffers full), plus one stuck in its handshake: every
// answering client gets 1001, and Shutdown returns within CloseTimeout
// + 1 s, not after one close timeout per stuck peer or the handshake
// timeout.
func TestShutdownParallelBounded(t *testing.T) {
	const closeTimeout = 2 * time.Second
	srv := &wsloop.Server{Handler: floodOnAsk{}, Options: &ws.Options{CloseTimeout: closeTimeout}}
	addr, stop := wsconf.StartLoop(t, srv)
	url := "ws://" + addr.String() + "/"
	const good = 200
	got := make(chan error, good)
	var wg sync.WaitGroup
	for range good {
		c := dial(t, url, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.ReadMessage(context.Background())
			got <- err
		}()
	}
	for range 3 {
		testpeer.Stuck(t, addr.String())
	}
	half, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := half.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// Wait until the server has accepted every connection (the half
	// handshake included) and started flooding every stuck peer.
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Accepted < good+3+1 || srv.Stats().BytesWritten < 3*(64<<10) {
		if time.Now().After(deadline) {
			t.Fatal("the stuck peers were not flooded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	took := time.Since(start)
	t.Logf("Shutdown took %v", took)
	if took > closeTimeout+time.Second {
		t.Fatalf("Shutdown took %v, more than CloseTimeout + 1 s", took)
	}
	for range good {
		var ce *ws.CloseError
		if err := <-got; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("client got %v, want a 1001 close frame", err)
		}
	}
	wg.Wait()
}

// TestListenAndServeCtx: ListenAndServe returns nil once its context is
// cancelled, after closing its connections with 1001.
func TestListenAndServeCtx(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- wsloop.ListenAndServe(ctx, addr, newEcho(), nil) }()
	var c *ws.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
		c, err = ws.Dial(dctx, "ws://"+addr+"/", nil)
		dcancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	_, _, err = c.ReadMessage(context.Background())
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
		t.Fatalf("client got %v", err)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
}

// TestPanicContained: a panicking handler on the loop closes its
// connection with 1011 (OnConnect: 500), is logged with its stack and
// counted, and the loop goes on serving.
func TestPanicContained(t *testing.T) {
	var logs wsconf.LogBuffer
	h := &wsconf.Panicker{Closed: make(chan ws.StatusCode, 8)}
	opts := &ws.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), CloseTimeout: time.Second}
	srv := &wsloop.Server{Handler: h, Options: opts, Config: eventloop.Config{Loops: 1}}
	addr, _ := wsconf.StartLoop(t, srv)
	url := "ws://" + addr.String() + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c := dial(t, url, nil)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("message")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
		t.Fatalf("after a panic in OnMessage: %v, want 1011", err)
	}
	if code := <-h.Closed; code != ws.StatusInternalError {
		t.Fatalf("OnClose got %v", code)
	}

	c = dial(t, url, &ws.Options{Subprotocols: []string{"panic-open"}})
	if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
		t.Fatalf("after a panic in OnOpen: %v, want 1011", err)
	}
	<-h.Closed

	_, err = ws.Dial(ctx, url+"connect", nil)
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 500 {
		t.Fatalf("after a panic in OnConnect: %v, want 500", err)
	}

	c = dial(t, url, nil)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("close")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) {
		t.Fatalf("close: %v", err)
	}
	<-h.Closed

	// The loop still serves.
	c = dial(t, url, nil)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("still there")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "still there" {
		t.Fatalf("echo after panics: %q %v", p, err)
	}
	for srv.Panics() != 4 {
		if ctx.Err() != nil {
			t.Fatalf("Panics() = %d, want 4", srv.Panics())
		}
		time.Sleep(5 * time.Millisecond)
	}
	logs.CheckPanics(t, "OnMessage", "OnOpen", "OnConnect", "OnClose")
}

// TestRefuseGarbageAtOnce: a TLS ClientHello or a bare-LF request gets 400
// and the connection closes at once, not after the handshake timeout.
func TestRefuseGarbageAtOnce(t *testing.T) {
	u, _ := serve(t, newEcho(), nil, eventloop.Config{})
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo")
	for name, in := range map[string]string{
		"tls":      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"bare LF":  "GET / HTTP/1.1\nHost: x\n",
		"HTTP/1.0": "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n\r\n", // an upgrade needs 1.1
		"NUL":      "GET / HTTP/1.1\r\nHost: x\x00y\r\n",
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := nc.Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		resp, err := io.ReadAll(nc)
		nc.Close()
		if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 400 ") {
			t.Errorf("%s: %q %v, want 400 and EOF at once", name, resp, err)
		}
	}
}

// TestPendingHandshakesApart: a client slow to send its request head does
// not take a MaxConnections slot; MaxPendingHandshakes bounds those.
func TestPendingHandshakesApart(t *testing.T) {
	slowClient := func(addr string) {
		slow, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { slow.Close() })
		if _, err := slow.Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	srv := &wsloop.Server{Handler: newEcho(), Options: &ws.Options{MaxConnections: 1}}
	a, _ := wsconf.StartLoop(t, srv)
	slowClient(a.String())
	// Once the slow one is in, the only slot of MaxConnections is still
	// free for a real client.
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().Accepted < 1 {
		if time.Now().After(deadline) {
			t.Fatal("slow client not accepted")
		}
		time.Sleep(time.Millisecond)
	}
	c := dial(t, "ws://"+a.String()+"/", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "hi" {
		t.Fatalf("echo: %q %v", p, err)
	}

	srv2 := &wsloop.Server{Handler: newEcho(), MaxPendingHandshakes: 1, Config: eventloop.Config{Loops: 1}}
	a2, _ := wsconf.StartLoop(t, srv2)
	slowClient(a2.String())
	// Once its first bytes are read it holds the pending slot: reading
	// follows OnOpen, where the slot is taken (Accepted may be counted
	// before OnOpen runs, and the goroutine fallback runs it later).
	for srv2.Stats().BytesRead < uint64(len("GET / HTTP/1.1\r\n")) {
		if time.Now().After(deadline) {
			t.Fatal("slow client not read")
		}
		time.Sleep(time.Millisecond)
	}
	nc, err := net.Dial("tcp", a2.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
	if resp, _ := io.ReadAll(nc); !strings.HasPrefix(string(resp), "HTTP/1.1 503 ") {
		t.Fatalf("past MaxPendingHandshakes: %q, want 503", resp)
	}
}
