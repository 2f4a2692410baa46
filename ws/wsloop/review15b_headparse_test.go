package wsloop_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview15bHeadByteByByte: a request head that arrives a byte at a
// time is checked in time linear in its size. The loop parsed the whole
// head again from its start on every read, so a client sending one-byte
// segments made it check some n²/2 bytes for an n-byte head (16 MB of
// byte-by-byte checks for 8 KiB, per connection); each read now resumes
// where the last stopped.
func TestReview15bHeadByteByByte(t *testing.T) {
	var checked atomic.Int64
	serverhooks.HeadChecked = func(n int) { checked.Add(int64(n)) }
	t.Cleanup(func() { serverhooks.HeadChecked = nil })
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}})
	head := "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"X-Pad: " + strings.Repeat("p", 4000) + "\r\n\r\n"
	status := testpeer.WriteByByte(t, addr.String(), head)
	_ = stop() // no check runs while the count is read
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", status)
	}
	if n := checked.Load(); n > 3*int64(len(head)) {
		t.Fatalf("a %d-byte head sent a byte at a time: %d bytes checked", len(head), n)
	}
}
