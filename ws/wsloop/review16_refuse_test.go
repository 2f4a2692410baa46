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
	status, err := review16Answer(addr, req)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// review16Answer is review16Status1 returning the error.
func review16Answer(addr, req string) (int, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
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
	// CloseTimeout well past what the refusals below take on a loaded
	// machine (with 1 s, Shutdown could end under them: "connection
	// refused", "broken pipe", 7 in 45 runs at a load of 16 on 2 cores),
	// under StartLoop's 10 s for Shutdown.
	srv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{CloseTimeout: 8 * time.Second}}
	addr, stop := wsconf.StartLoop(t, srv)
	// A peer that never answers the close frame holds Shutdown until it
	// hangs up, after the refusals.
	held := review16Upgraded(t, addr.String())
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	review16Poll(t, "503 once Shutdown began", func() bool {
		// A request the server took just before Shutdown began is a
		// handshake in progress, which Shutdown drops (its doc): EOF,
		// no answer (2 in 90 runs at a load of 10).
		status, err := review16Answer(addr.String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		return err == nil && status == 503
	})
	post := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", review16Body)
	body := make([]byte, review16Body)
	for i := range 5 {
		status, _, err := testpeer.SendUnread(addr.String(), post, body, nil)
		if err != nil || status != 503 {
			t.Fatalf("request %d of 5 during Shutdown: status %d, %v; want 503", i+1, status, err)
		}
	}
	held.Close() // Shutdown ends now
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

// review16Upgraded dials addr and completes a WebSocket handshake, then
// reads nothing more: the server's close frame goes unanswered until the
// caller closes the connection (or the test ends).
func review16Upgraded(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if _, err := io.WriteString(nc, testpeer.UpgradeRequest); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReaderSize(nc, 16) // reads no further than the head
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			return nc
		}
	}
}
