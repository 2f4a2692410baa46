package wsloop_test

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// bigBody is the size of the request bodies a server does not read.
const bigBody = 4 << 20

var zeros = make([]byte, bigBody)

// requests is how many requests each case sends (without the fix, most
// of them lost their answer).
const requests = 10

// TestReview15bHTTPUnreadBody: a request whose body the server does not
// read (Server.HTTP's answer; a refused upgrade that carries a body) gets
// its whole answer. The loop closed the connection with the body unread
// in the socket as soon as the answer was queued, and the kernel answers
// unread input with a reset: the client saw "connection reset by peer"
// instead of the answer for most 4 MiB POSTs. Now the loop sends the
// answer, shuts its write side and discards what comes until the client
// closes (within a bound), as net/http's lingering close does; on wss://
// too.
func TestReview15bHTTPUnreadBody(t *testing.T) {
	page := func(r *ws.Request) wsloop.HTTPResponse {
		return wsloop.HTTPResponse{Status: 413, Body: []byte("too large " + string(r.Target))}
	}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: page})
	cert, pool := wsloop.NewTestCert(t, "wsloop")
	tlsAddr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: page,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	client := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	post := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", bigBody)
	upgrade := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: %d\r\n\r\n", bigBody)
	for _, tc := range []struct {
		name, head string
		status     int
		body       string
		tls        bool
	}{
		{"http", post, 413, "too large /upload", false},
		{"refused-upgrade", upgrade, 400, "", false},
		{"wss-http", post, 413, "too large /upload", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, cfg := addr.String(), (*tls.Config)(nil)
			if tc.tls {
				a, cfg = tlsAddr.String(), client
			}
			failed := 0
			for i := range requests {
				status, body, err := testpeer.SendUnread(a, tc.head, zeros, cfg)
				if err != nil || status != tc.status || !strings.Contains(body, tc.body) {
					failed++
					t.Logf("request %d: %d %q, %v", i, status, body, err)
				}
			}
			if failed > 0 {
				t.Fatalf("%d of %d requests lost their answer", failed, requests)
			}
		})
	}
}
