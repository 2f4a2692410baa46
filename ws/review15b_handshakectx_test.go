package ws

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// partialClient connects to a fresh loopback listener, sends the first
// line of an opening handshake and nothing more (a slow or stuck client),
// and returns the server's side of the connection.
func partialClient(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	if _, err := client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	return server, client
}

// TestReview15bServeConnCtxEndsHandshake: ServeConn's ctx ending ends a
// handshake in progress, as its deadline does, and frees the slot; the
// handshake went on for the whole HandshakeTimeout (here a minute: the
// test's bound ran out).
func TestReview15bServeConnCtxEndsHandshake(t *testing.T) {
	srv := &Server{Handler: BaseHandler{}, Options: &Options{HandshakeTimeout: time.Minute, MaxConnections: 1}}
	nc, _ := partialClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); srv.ServeConn(ctx, nc) }()
	waitFor(t, "the handshake admitted", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.admitted == 1
	})
	cancel()
	select {
	case <-served:
	case <-time.After(3 * time.Second):
		_ = nc.Close() // let ServeConn end
		<-served
		t.Fatal("ServeConn went on with its handshake after its ctx ended")
	}
}

// TestReview15bUpgradeConnCtxEndsHandshake: UpgradeConn returns the ctx's
// error once ctx ends during the handshake.
func TestReview15bUpgradeConnCtxEndsHandshake(t *testing.T) {
	nc, _ := partialClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		c   *Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := UpgradeConn(ctx, nc, BaseHandler{}, &Options{HandshakeTimeout: time.Minute})
		done <- result{c, err}
	}()
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(3 * time.Second):
		_ = nc.Close()
		r = <-done
		t.Fatalf("UpgradeConn went on after its ctx ended (then: %v)", r.err)
	}
	if r.c != nil || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("UpgradeConn = %v, %v; want context.Canceled", r.c, r.err)
	}
}
