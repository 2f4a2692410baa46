package ws_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

const (
	r16GoodHead = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	r16BadHead = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" // no upgrade: refused
)

// r16Refused sends head on a new connection to addr and reads the answer
// and then the end of the server's output (its write side shut, the
// refusal lingering): it returns the connection, still open on our side,
// and the answer's status.
func r16Refused(t *testing.T, addr, head string) (net.Conn, int) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil { // to the server's FIN
		t.Fatalf("reading to the end of the refusal: %v", err)
	}
	_ = resp.Body.Close()
	return nc, resp.StatusCode
}

// r16ServeConnLoop serves the connections of a loopback listener with
// srv.ServeConn, each on a goroutine; everything ends with the test.
func r16ServeConnLoop(t *testing.T, srv *ws.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); srv.ServeConn(context.Background(), nc) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestReview16ServeConnRefusalFreesSlot: a handshake that ServeConn
// refused (400 here) gives back its MaxConnections slot before its
// lingering close, as Serve's do: it held the slot until the client
// closed (or up to 1 s), and the next good client was refused with 503
// though no connection was open.
func TestReview16ServeConnRefusalFreesSlot(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{MaxConnections: 1}}
	addr := r16ServeConnLoop(t, srv)
	if _, status := r16Refused(t, addr, r16BadHead); status/100 != 4 {
		t.Fatalf("bad request answered %d, want a 4xx", status)
	}
	// The refused connection lingers (we do not close it): the slot is free.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatalf("a good client while a refusal lingers: %v", err)
	}
	_ = c.CloseNow()
}

// closeRecorder is a listener whose connections tell when they are
// closed.
type closeRecorder struct {
	net.Listener
	mu    sync.Mutex
	conns []*recordedConn
}

type recordedConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *recordedConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// CloseWrite lets lingerClose shut the write side, as on a *net.TCPConn.
func (c *recordedConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

func (l *closeRecorder) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recordedConn{Conn: nc, closed: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, rc)
	l.mu.Unlock()
	return rc, nil
}

// TestReview16ShutdownEndsRefusals: Shutdown ends the refusals of Serve
// still lingering (a 503 over MaxConnections, a 400) and waits for them:
// when it returns, every connection Serve accepted is closed. They stayed
// open past Shutdown (up to 1 s, or HandshakeTimeout for an answer not
// yet written), untracked.
func TestReview16ShutdownEndsRefusals(t *testing.T) {
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &closeRecorder{Listener: tl}
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{MaxConnections: 1}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := tl.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if _, status := r16Refused(t, addr, r16BadHead); status/100 != 4 {
		t.Fatalf("bad request answered %d, want a 4xx", status)
	}
	c, err := ws.Dial(ctx, "ws://"+addr+"/", nil) // takes the one slot
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() { _, _, err := c.ReadMessage(ctx); read <- err }() // answers Shutdown's close
	if _, status := r16Refused(t, addr, r16GoodHead); status != 503 {
		t.Fatalf("over MaxConnections: %d, want 503", status)
	}

	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	ln.mu.Lock()
	conns := append([]*recordedConn(nil), ln.conns...)
	ln.mu.Unlock()
	if len(conns) != 3 {
		t.Fatalf("Serve accepted %d connections, want 3", len(conns))
	}
	for i, rc := range conns {
		select {
		case <-rc.closed:
		default:
			t.Errorf("connection %d is still open after Shutdown returned", i)
		}
	}
	var ce *ws.CloseError
	if err := <-read; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
		t.Errorf("served connection: %v, want 1001", err)
	}
	if err := <-served; !errors.Is(err, ws.ErrClosed) {
		t.Errorf("Serve: %v, want ErrClosed", err)
	}
}

// TestReview16ShutdownEndsRefusalAnswer: Shutdown also ends a 503 whose
// answer is still being written: on wss:// the write first runs the TLS
// handshake, which a client that sends nothing holds for
// HandshakeTimeout (10 s). It went on past Shutdown, the connection open.
func TestReview16ShutdownEndsRefusalAnswer(t *testing.T) {
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	cfg := hs.TLS.Clone() // its certificate
	hs.Close()
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &closeRecorder{Listener: tl}
	// A long HandshakeTimeout: what Shutdown does not end lasts.
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{MaxConnections: 1, HandshakeTimeout: time.Minute}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(tls.NewListener(rec, cfg)) }()
	// Two clients that send nothing: one holds the slot in its handshake,
	// the other is refused, its 503 waiting for the TLS handshake.
	for range 2 {
		nc, err := net.Dial("tcp", tl.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.conns)
		rec.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Serve accepted %d connections, want 2", n)
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ws.ErrClosed) {
		t.Errorf("Serve: %v, want ErrClosed", err)
	}
	// Serve has returned: a connection it took from Accept just before
	// Shutdown, which it found closing, it has closed.
	for i, rc := range rec.conns {
		select {
		case <-rc.closed:
		default:
			t.Errorf("connection %d is still open after Shutdown and Serve returned", i)
		}
	}
}

// r16Serve runs srv.Serve on a loopback listener until the test ends.
func r16Serve(t *testing.T, srv *ws.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Serve: %v, want ErrClosed", err)
		}
	})
	return ln.Addr().String()
}
