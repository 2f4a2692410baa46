package wsloop_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// roundTrip sends the raw request head req to addr and returns the
// response's status and body.
func roundTrip(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// serveHTTP runs h on net/http on a loopback port until the test ends.
func serveHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(served) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// TestReview15UpgradeRouting: which requests are WebSocket handshakes, on
// the loop as on net/http with ws/wshttp and on ws.Server. A request
// asking to upgrade to another protocol (curl --http2's h2c, RFC 2817's
// TLS/1.0) is an ordinary request to net/http, which ignores an upgrade
// it does not do, so its handler answers it: with Server.HTTP set the loop
// answered 426 instead (any Upgrade header took the WebSocket path), and
// a health check through such a client failed. An Upgrade: websocket that
// is not a valid handshake (Connection: close) still gets the handshake's
// 400, as from wshttp and ws.Server; without Server.HTTP every request
// gets the WebSocket path's answer, as from ws.Server.
func TestReview15UpgradeRouting(t *testing.T) {
	plain := func(r *ws.Request) wsloop.HTTPResponse {
		return wsloop.HTTPResponse{Body: []byte("plain " + string(r.Target))}
	}
	withHTTP, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: plain})
	without, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}})
	goroutines := strings.TrimPrefix(strings.TrimSuffix(serveStd(t, &ws.Server{Handler: newEcho()}), "/"), "ws://")
	// net/http as a user composes it: the WebSocket at /ws, a page
	// elsewhere.
	mux := http.NewServeMux()
	mux.Handle("/ws", wshttp.Handler(&ws.Server{Handler: newEcho()}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "plain "+r.RequestURI) })
	std := serveHTTP(t, mux)

	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	for _, tc := range []struct {
		name    string
		ws      bool   // a WebSocket handshake, valid or not: wshttp's path
		head    string // after the request line
		status  int    // with Server.HTTP; and from net/http
		without int    // without Server.HTTP, and from ws.Server
	}{
		{"h2c", false, "Host: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 200, 426},
		{"tls", false, "Host: x\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0\r\n\r\n", 200, 426},
		{"empty-upgrade", false, "Host: x\r\nConnection: Upgrade\r\nUpgrade: \r\n\r\n", 200, 426},
		{"no-upgrade", false, "Host: x\r\n\r\n", 200, 426},
		{"connection-close", true, "Host: x\r\nConnection: close\r\nUpgrade: websocket\r\n" + key + "\r\n", 400, 400},
		{"no-connection", true, "Host: x\r\nUpgrade: websocket\r\n" + key + "\r\n", 400, 400},
		{"no-key", true, "Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 400, 400},
		{"among-others", true, "Host: x\r\nConnection: Upgrade\r\nUpgrade: h2c, WebSocket\r\n" + key + "\r\n", 101, 101},
		{"bad-host", true, "Host: a b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + key + "\r\n", 400, 400},
		{"brace-host", true, "Host: {x}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + key + "\r\n", 400, 400},
		{"ipv6-host", true, "Host: [::1]:80\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + key + "\r\n", 101, 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/page"
			if tc.ws {
				path = "/ws"
			}
			req := "GET " + path + " HTTP/1.1\r\n" + tc.head
			status, body := roundTrip(t, std, req)
			if status != tc.status || (status == 200 && body != "plain "+path) {
				t.Fatalf("net/http + wshttp: %d %q, want %d", status, body, tc.status)
			}
			if status, body := roundTrip(t, withHTTP.String(), req); status != tc.status || (status == 200 && body != "plain "+path) {
				t.Errorf("wsloop with Server.HTTP: %d %q, want %d as net/http", status, body, tc.status)
			}
			want, _ := roundTrip(t, goroutines, req)
			if want != tc.without {
				t.Fatalf("ws.Server: %d, want %d", want, tc.without)
			}
			if status, body := roundTrip(t, without.String(), req); status != want {
				t.Errorf("wsloop without Server.HTTP: %d %q, want %d as ws.Server", status, body, want)
			}
		})
	}
}
