package wsloop_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review16Body is the size of the bodies the refused clients send.
const review16Body = 4 << 20

// review16Status1 sends req on a new connection to addr and returns the
// answer's status.
func review16Status1(t *testing.T, addr, req string) int {
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
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReview16PendingRefusalUnreadBody: a connection refused with 503
// because MaxPendingHandshakes are under way gets its 503 even when its
// request carries a body: the loop closed it at once, its request unread,
// and the kernel answered the unread input with a reset, which destroyed
// the 503 (the client saw "connection reset by peer"). Now the refusal
// lingers as the loop's other refusals do (bounded apart).
func TestReview16PendingRefusalUnreadBody(t *testing.T) {
	srv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1}, MaxPendingHandshakes: 1}
	addr, _ := wsconf.StartLoop(t, srv)
	// One handshake under way holds the only pending slot.
	hold, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if _, err := io.WriteString(hold, "GET / HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	// Once the server holds it, a request gets 503 (a plain GET gets 426
	// before).
	review16Poll(t, "503 while a handshake is pending", func() bool {
		return review16Status1(t, addr.String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 503
	})
	post := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", review16Body)
	body := make([]byte, review16Body)
	for i := range 10 {
		status, _, err := testpeer.SendUnread(addr.String(), post, body, nil)
		if err != nil || status != 503 {
			t.Fatalf("request %d of 10 beyond MaxPendingHandshakes: status %d, %v; want 503", i+1, status, err)
		}
	}
	review16Poll(t, "the refusals' lingering ends", func() bool { return wsloop.RefusalsLingering(srv) == 0 })
}

// TestReview16ShutdownRefusalUnreadBody: so does a connection refused
// with 503 while Shutdown waits for the close handshakes.
func TestReview16ShutdownRefusalUnreadBody(t *testing.T) {
	srv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{CloseTimeout: time.Second}}
	addr, stop := wsconf.StartLoop(t, srv)
	// A peer that never answers the close frame holds Shutdown for
	// CloseTimeout.
	testpeer.Stuck(t, addr.String())
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	review16Poll(t, "503 once Shutdown began", func() bool {
		return review16Status1(t, addr.String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 503
	})
	post := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", review16Body)
	body := make([]byte, review16Body)
	for i := range 5 {
		status, _, err := testpeer.SendUnread(addr.String(), post, body, nil)
		if err != nil || status != 503 {
			t.Fatalf("request %d of 5 during Shutdown: status %d, %v; want 503", i+1, status, err)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
