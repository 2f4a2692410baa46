package wsloop_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview15HTTPAnswerSendsCloseNotify: over wss://, a request that
// Server.HTTP answers, or a handshake the server refuses (400, 426), ends
// with the server's close_notify before it closes, as a closed WebSocket
// does (RFC 8446 6.1, RFC 5246 7.2.1). It closed without one: a strict
// client (OpenSSL 3, Python's ssl) reading to the end reports
// "unexpected eof", a truncation.
func TestReview15HTTPAnswerSendsCloseNotify(t *testing.T) {
	cert, pool := wsloop.NewTestCert(t, "wsloop")
	srv := &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: plainHTTP,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, _ := wsconf.StartLoop(t, srv)
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, tc := range []struct{ name, req, status string }{
			{"http", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 "},
			{"refused", "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "HTTP/1.1 400 "},
			{"426", "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", "HTTP/1.1 426 "},
		} {
			t.Run(tls.VersionName(vers)+"-"+tc.name, func(t *testing.T) {
				nc, err := net.Dial("tcp", addr.String())
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				tap := &tapConn{Conn: nc}
				keys := &keyLines{}
				cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: vers, MaxVersion: vers, KeyLogWriter: keys}
				c := tls.Client(tap, cfg)
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, tc.req); err != nil {
					t.Fatal(err)
				}
				resp, err := io.ReadAll(c) // crypto/tls takes a bare EOF at a record's end too
				if err != nil || !strings.HasPrefix(string(resp), tc.status) {
					t.Fatalf("%q, %v; want %q", resp, err, tc.status)
				}
				if !endsWithCloseNotify(t, tap.read(), c.ConnectionState(), keys, false) {
					t.Fatal("the server closed without a close_notify")
				}
			})
		}
	}
}

// TestReview15ClientRefusalSendsCloseNotify: the loop's client that
// refuses the server's answer to its handshake (a 403, a 101 with the
// wrong Sec-WebSocket-Accept) ends its TLS with a close_notify before
// closing, on the record layer (TLS 1.3) and with crypto/tls (TLS 1.2),
// as after a WebSocket's close. It closed without one.
func TestReview15ClientRefusalSendsCloseNotify(t *testing.T) {
	srvCert, pool := wsloop.NewTestCert(t, "server")
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, answer := range []string{
			"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
		} {
			t.Run(tls.VersionName(vers)+"-"+answer[9:12], func(t *testing.T) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				cl := &wsloop.Client{Options: &ws.Options{TLSConfig: &tls.Config{RootCAs: pool, MaxVersion: vers}}, Config: eventloop.Config{Loops: 1}}
				defer cl.Close()
				dialed, nc := dialAccept(t, cl, ln, newEcho())
				tap := &tapConn{Conn: nc}
				keys := &keyLines{}
				tc := tls.Server(tap, &tls.Config{Certificates: []tls.Certificate{srvCert}, KeyLogWriter: keys})
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(tc)
				switchProtocols(t, br) // reads the request
				if _, err := io.WriteString(tc, answer); err != nil {
					t.Fatal(err)
				}
				if err := <-dialed; err == nil {
					t.Fatal("Dial took the answer")
				}
				if _, err := io.ReadAll(br); err != nil {
					t.Fatalf("reading to the end: %v", err)
				}
				if !endsWithCloseNotify(t, tap.read(), tc.ConnectionState(), keys, true) {
					t.Fatal("the client closed without a close_notify")
				}
			})
		}
	}
}
