package wshttp_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// TestReview18DuplicateOrigin: an upgrade with two Origin headers is
// refused with 400, in either order, as ws.Server and wsloop refuse it.
// net/http gives the first, and only that one was checked (the others
// checked the last): the server's own origin before a foreign one was
// accepted here and refused by them.
func TestReview18DuplicateOrigin(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{PingInterval: -1}}
	hs := httptest.NewServer(wshttp.Handler(srv))
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "http://")
	same, evil := "http://"+host, "http://evil.example"
	for _, order := range [][2]string{{evil, same}, {same, evil}} {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
			"Origin: " + order[0] + "\r\nOrigin: " + order[1] + "\r\n\r\n"
		if _, err := nc.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		_ = nc.Close()
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("Origin %s, then %s: %d, want 400", order[0], order[1], resp.StatusCode)
		}
	}
}
