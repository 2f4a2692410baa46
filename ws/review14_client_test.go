package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestReview14FrameWith101: the bytes of the server's first frame that
// arrive in the same segment as the 101 reach the client's first read.
func TestReview14FrameWith101(t *testing.T) {
	u := fakeServer(t, func(key string) string {
		return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			AcceptKey([]byte(key)) + "\r\n\r\n" + string([]byte{0x81, 2, 'h', 'i'})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, u, &Options{PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	op, p, err := c.ReadMessage(ctx)
	if err != nil || op != OpText || string(p) != "hi" {
		t.Fatalf("%v %q %v", op, p, err)
	}
}

// TestReview14PipelinedFrame: a client's first frame sent in the same
// segment as its request reaches the server's connection (echoed here).
func TestReview14PipelinedFrame(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{PingInterval: -1})
	host := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo")
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /echo HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	frame := []byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}
	if _, err := nc.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	want := "\r\n\r\n" + string([]byte{0x81, 2, 'h', 'i'})
	for !strings.Contains(string(buf), want) {
		n, err := nc.Read(buf[len(buf):cap(buf)])
		if err != nil {
			t.Fatalf("%q: %v", buf, err)
		}
		buf = buf[:len(buf)+n]
	}
}

// TestReview14DialNeverAnswered: a server that accepts and never answers
// fails Dial at its deadline, with the context's error.
func TestReview14DialNeverAnswered(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			got <- nc
		}
	}()
	_, err = Dial(context.Background(), "ws://"+ln.Addr().String()+"/", &Options{HandshakeTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial: %v, want a deadline error", err)
	}
	(<-got).Close()
}

// TestReview14DialBadCertificate: wss to a server whose certificate the
// client does not trust fails with the verification error.
func TestReview14DialBadCertificate(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the client's "bad certificate"
	srv.StartTLS()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https"), nil)
	var ve *tls.CertificateVerificationError
	if !errors.As(err, &ve) {
		t.Fatalf("Dial: %v, want a certificate verification error", err)
	}
}

// TestReview14DialRedirect: a redirect is not followed: Dial fails with
// the status and the Location in the *HandshakeError.
func TestReview14DialRedirect(t *testing.T) {
	srv := httptest.NewServer(http.RedirectHandler("ws://elsewhere.test/", http.StatusFound))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusFound || he.Header["Location"][0] != "ws://elsewhere.test/" {
		t.Fatalf("Dial: %v", err)
	}
}
