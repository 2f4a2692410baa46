package wsloop_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview14DialNeedsHost: a URL without a host is refused, as ws.Dial
// refuses it, instead of being dialed as ":port", which reaches the
// local system.
func TestReview14DialNeedsHost(t *testing.T) {
	u, _ := serve(t, newEcho(), nil, eventloop.Config{Loops: 1})
	_, port, err := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	cl := &wsloop.Client{Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, raw := range []string{"ws://:" + port + "/echo", "wss://:" + port + "/echo"} {
		h := newEcho()
		c, err := cl.Dial(ctx, raw, h)
		if err == nil {
			_ = c.Close(ws.StatusNormalClosure, "")
			h.waitEnd(t)
			t.Fatalf("%s: dialed the local system", raw)
		}
		if !strings.Contains(err.Error(), "no host") {
			t.Fatalf("%s: %v, want an error about the missing host", raw, err)
		}
	}
}

// silentServer accepts connections and reads them, answering nothing but
// write; it reports each connection it accepted, and its end (the client
// closed it).
func silentServer(t *testing.T, write []byte) (addr string, accepted chan struct{}, ended chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ended, accepted = make(chan error, 4), make(chan struct{}, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
				if write != nil {
					_, _ = nc.Write(write)
				}
				_, err := io.Copy(io.Discard, nc)
				ended <- err
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().String(), accepted, ended
}

// TestReview14DialSilentServer: a server that accepts the TCP connection
// and never answers (ws:// and wss://) or answers garbage instead of a
// ServerHello fails Dial within HandshakeTimeout, or once ctx is canceled
// during the handshake, and the client's socket is closed (the server
// reads EOF).
func TestReview14DialSilentServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scheme string
		write  []byte
		cancel bool
		want   error
	}{
		{"ws-timeout", "ws", nil, false, context.DeadlineExceeded},
		{"wss-timeout", "wss", nil, false, context.DeadlineExceeded},
		{"ws-cancel", "ws", nil, true, context.Canceled},
		{"wss-cancel", "wss", nil, true, context.Canceled},
		{"wss-garbage", "wss", []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted, ended := silentServer(t, tc.write)
			cl := &wsloop.Client{Options: &ws.Options{HandshakeTimeout: 300 * time.Millisecond}, Config: eventloop.Config{Loops: 1}}
			defer cl.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cl.Options.HandshakeTimeout = time.Minute
				go func() {
					<-accepted // the handshake is under way
					cancel()
				}()
			}
			_, err := cl.Dial(ctx, tc.scheme+"://"+addr+"/", newEcho())
			if err == nil {
				t.Fatal("Dial succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Dial: %v, want %v", err, tc.want)
			}
			if tc.want == nil && !strings.Contains(err.Error(), "tls") {
				t.Fatalf("Dial: %v, want a TLS error", err)
			}
			select {
			case err := <-ended:
				if err != nil {
					t.Fatalf("server's read: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the client's socket was not closed")
			}
		})
	}
}

// answerServer answers every request with resp(key) and keeps the
// connection open until the client closes it.
func answerServer(t *testing.T, resp func(key string) string) string {
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
			go func() {
				defer wg.Done()
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
				br := bufio.NewReader(nc)
				var key string
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if k, ok := strings.CutPrefix(line, "Sec-WebSocket-Key: "); ok {
						key = strings.TrimSpace(k)
					}
					if line == "\r\n" {
						break
					}
				}
				_, _ = io.WriteString(nc, resp(key))
				_, _ = io.Copy(io.Discard, nc)
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return "ws://" + ln.Addr().String() + "/"
}

// TestReview14DialRefusesBadResponses: Dial fails, with an error that
// says why, when the server answers other than a 101 that fits the
// request: another status, a wrong Sec-WebSocket-Accept, an extension or
// a subprotocol the client did not offer.
func TestReview14DialRefusesBadResponses(t *testing.T) {
	ok := func(key string) string {
		return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + ws.AcceptKey([]byte(key)) + "\r\n"
	}
	for _, tc := range []struct {
		name string
		resp func(key string) string
		want string
	}{
		{"status", func(string) string { return "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n" }, "did not switch"},
		{"accept", func(string) string { return ok("AAAAAAAAAAAAAAAAAAAAAA==") + "\r\n" }, "Sec-WebSocket-Accept"},
		{"extension", func(k string) string { return ok(k) + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n" }, "extension"},
		{"subprotocol", func(k string) string { return ok(k) + "Sec-WebSocket-Protocol: chat\r\n\r\n" }, "subprotocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := answerServer(t, tc.resp)
			cl := &wsloop.Client{Config: eventloop.Config{Loops: 1}}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			h := newEcho()
			c, err := cl.Dial(ctx, u, h)
			if err == nil {
				_ = c.Close(ws.StatusNormalClosure, "")
				t.Fatal("Dial succeeded")
			}
			var he *ws.HandshakeError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Dial: %v, want a HandshakeError about %q", err, tc.want)
			}
		})
	}
}

// TestReview14CloseDuringDial: Client.Close while a Dial waits in its
// handshake (ws:// and wss://, the server silent) ends the Dial with an
// error at once, and leaves no goroutine behind (TestMain checks); a Dial
// after Close fails at once.
func TestReview14CloseDuringDial(t *testing.T) {
	for _, scheme := range []string{"ws", "wss"} {
		t.Run(scheme, func(t *testing.T) {
			addr, accepted, ended := silentServer(t, nil)
			cl := &wsloop.Client{Options: &ws.Options{HandshakeTimeout: time.Minute}, Config: eventloop.Config{Loops: 1}}
			dialed := make(chan error, 1)
			go func() {
				_, err := cl.Dial(context.Background(), scheme+"://"+addr+"/", newEcho())
				dialed <- err
			}()
			<-accepted
			if err := cl.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-dialed:
				if err == nil {
					t.Fatal("Dial succeeded")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Dial still waits after Close")
			}
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("the client's socket was not closed")
			}
			// A Dial after Close fails too, without waiting.
			go func() {
				_, err := cl.Dial(context.Background(), scheme+"://"+addr+"/", newEcho())
				dialed <- err
			}()
			select {
			case err := <-dialed:
				if err == nil {
					t.Fatal("Dial after Close succeeded")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Dial after Close waits")
			}
		})
	}
}

// TestReview14DialRefused: a port nobody listens on fails Dial at once
// with the connect error (ws:// and wss://), well before the handshake
// timeout.
func TestReview14DialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cl := &wsloop.Client{Options: &ws.Options{HandshakeTimeout: time.Minute}, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	for _, scheme := range []string{"ws", "wss"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := cl.Dial(ctx, scheme+"://"+addr+"/", newEcho())
		ctxErr := ctx.Err()
		cancel()
		if err == nil || ctxErr != nil || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("%s: Dial: %v (ctx %v), want connection refused", scheme, err, ctxErr)
		}
	}
}

// switchProtocols reads an opening handshake's head from br and returns
// the 101 that answers it.
func switchProtocols(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var key string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the request: %v", err)
		}
		if k, ok := strings.CutPrefix(line, "Sec-WebSocket-Key: "); ok {
			key = strings.TrimSpace(k)
		}
		if line == "\r\n" {
			break
		}
	}
	return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + ws.AcceptKey([]byte(key)) + "\r\n\r\n"
}

// cacheName names a subtest of the loop's client without a session cache
// (its own record layer) or with one (crypto/tls).
func cacheName(cache bool) string {
	if cache {
		return "crypto-tls"
	}
	return "record-layer"
}

// loopTLSClient returns a loopback listener for a test's TLS server and a
// loop client that trusts pool, with a session cache if cache; both are
// closed when the test ends.
func loopTLSClient(t *testing.T, pool *x509.CertPool, cache bool) (net.Listener, *wsloop.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ccfg := &tls.Config{RootCAs: pool}
	if cache {
		ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	cl := &wsloop.Client{Options: &ws.Options{TLSConfig: ccfg}, Config: eventloop.Config{Loops: 1}}
	t.Cleanup(func() { cl.Close() })
	return ln, cl
}

// dialAccept dials ln's wss:// URL with cl on a goroutine (Dial's error,
// within 10 s, comes on dialed) and accepts the connection, for the test
// to play the TLS server on nc, which closes when the test ends.
func dialAccept(t *testing.T, cl *wsloop.Client, ln net.Listener, h ws.Handler) (dialed <-chan error, nc net.Conn) {
	t.Helper()
	ch := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := cl.Dial(ctx, "wss://"+ln.Addr().String()+"/", h)
		ch <- err
	}()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return ch, nc
}
