package wsloop_test

import (
	"bufio"
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

// review16bClosed reports each connection's OnClose; a message "bye"
// makes the server close with 1000.
type review16bClosed struct {
	ws.BaseHandler
	closed chan string
}

func (h review16bClosed) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if string(p) == "bye" {
		_ = c.Close(ws.StatusNormalClosure, "")
	}
}

func (h review16bClosed) OnClose(_ *ws.Conn, clean bool, code ws.StatusCode, _ string) {
	if clean {
		h.closed <- "clean " + code.String()
	} else {
		h.closed <- "not clean " + code.String()
	}
}

// review16bOpen dials addr and completes the opening handshake.
func review16bOpen(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, testpeer.UpgradeRequest); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v, %v", resp, err)
	}
	return nc, br
}

// review16bReadClose reads a short unmasked close frame and returns its
// code.
func review16bReadClose(t *testing.T, br *bufio.Reader) int {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatalf("reading the server's close frame: %v", err)
	}
	p := make([]byte, h[1]&0x7f)
	if _, err := io.ReadFull(br, p); err != nil || h[0] != 0x88 || len(p) < 2 {
		t.Fatalf("frame %#x %q, %v; want a close frame", h[0], p, err)
	}
	return int(p[0])<<8 | int(p[1])
}

// review16bMaskedClose is a client's close frame with code (mask key 0).
func review16bMaskedClose(code int) string {
	return "\x88\x82\x00\x00\x00\x00" + string([]byte{byte(code >> 8), byte(code)})
}

// TestReview16bLoopCloseTimeoutOff: with a negative Options.CloseTimeout
// (off), a connection the handler closes waits for the peer's answer. The
// drop timer was armed for "now": the connection was dropped as soon as
// its close frame was queued, and its close was not clean whatever the
// peer did.
func TestReview16bLoopCloseTimeoutOff(t *testing.T) {
	h := review16bClosed{closed: make(chan string, 1)}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{CloseTimeout: -1}})
	nc, br := review16bOpen(t, addr.String())
	if _, err := io.WriteString(nc, "\x81\x83\x00\x00\x00\x00bye"); err != nil {
		t.Fatal(err)
	}
	if code := review16bReadClose(t, br); code != 1000 {
		t.Fatalf("close code %d, want 1000", code)
	}
	if _, err := io.WriteString(nc, review16bMaskedClose(1000)); err != nil {
		t.Fatal(err)
	}
	if got := <-h.closed; got != "clean "+ws.StatusNormalClosure.String() {
		t.Fatalf("OnClose: %s, want a clean 1000", got)
	}
}

// TestReview16bLoopShutdownCloseTimeoutOff: with CloseTimeout off,
// Server.Shutdown waits for the peers' answers, bounded by its ctx alone;
// its timer of 0 stopped the loops at once, dropping every connection.
func TestReview16bLoopShutdownCloseTimeoutOff(t *testing.T) {
	h := review16bClosed{closed: make(chan string, 1)}
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{CloseTimeout: -1}})
	nc, br := review16bOpen(t, addr.String())
	shut := make(chan error, 1)
	go func() { shut <- stop() }()
	if code := review16bReadClose(t, br); code != 1001 {
		t.Fatalf("close code %d, want 1001", code)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the peer answered, with no CloseTimeout", err)
	default:
	}
	if _, err := io.WriteString(nc, review16bMaskedClose(1001)); err != nil {
		t.Fatal(err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := <-h.closed; got != "clean "+ws.StatusGoingAway.String() {
		t.Fatalf("OnClose: %s, want a clean 1001", got)
	}
}
