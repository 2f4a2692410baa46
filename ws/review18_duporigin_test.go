package ws

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// review18DupOrigin is an upgrade to host with two Origin headers, first
// and then second.
func review18DupOrigin(host, first, second string) string {
	return "GET /echo HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Origin: " + first + "\r\nOrigin: " + second + "\r\n\r\n"
}

// TestReview18DuplicateOrigin: an upgrade with two Origin headers is
// refused with 400, in either order, as wsloop and ws/wshttp refuse it.
// The server checked the last one only (net/http gives wshttp the first):
// a foreign origin before the server's own was accepted here and
// refused by wshttp, and the other order the reverse.
func TestReview18DuplicateOrigin(t *testing.T) {
	url, _ := startServer(t, BaseHandler{}, &Options{PingInterval: -1})
	host := strings.TrimPrefix(url, "ws://")
	host = host[:strings.IndexByte(host, '/')]
	same, evil := "http://"+host, "http://evil.example"
	for _, order := range [][2]string{{evil, same}, {same, evil}} {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Write([]byte(review18DupOrigin(host, order[0], order[1]))); err != nil {
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
