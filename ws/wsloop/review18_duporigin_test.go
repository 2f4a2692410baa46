package wsloop_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview18DuplicateOrigin: an upgrade with two Origin headers is
// refused with 400, in either order, as ws.Server and ws/wshttp refuse
// it. The last one only was checked (net/http gives wshttp the first): a
// foreign origin before the server's own was accepted here and refused
// by wshttp.
func TestReview18DuplicateOrigin(t *testing.T) {
	srv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1}}
	addr, _ := wsconf.StartLoop(t, srv)
	same, evil := "http://"+addr.String(), "http://evil.example"
	for _, order := range [][2]string{{evil, same}, {same, evil}} {
		req := "GET / HTTP/1.1\r\nHost: " + addr.String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
			"Origin: " + order[0] + "\r\nOrigin: " + order[1] + "\r\n\r\n"
		if got := review17Ask(t, addr, req); got != 400 {
			t.Fatalf("Origin %s, then %s: %d, want 400", order[0], order[1], got)
		}
	}
}
