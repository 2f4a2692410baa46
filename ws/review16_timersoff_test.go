package ws_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// TestReview16ServerHandshakeTimeoutOff: a negative
// Options.HandshakeTimeout turns the handshake's timer off (Options: "a
// negative value turns a limit or timer off"). ws.Server set the deadline
// now instead: every handshake failed at once, unanswered, and the
// server accepted nobody; a client over MaxConnections got no 503.
func TestReview16ServerHandshakeTimeoutOff(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{HandshakeTimeout: -1, MaxConnections: 1}}
	for _, serve := range []struct {
		name  string
		start func(*testing.T, *ws.Server) string
	}{{"Serve", r16Serve}, {"ServeConn", r16ServeConnLoop}} {
		t.Run(serve.name, func(t *testing.T) {
			srv := &ws.Server{Handler: srv.Handler, Options: srv.Options}
			addr := serve.start(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			c, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
			if err != nil {
				t.Fatalf("Dial, HandshakeTimeout -1: %v", err)
			}
			defer c.CloseNow()
			if _, status := r16Refused(t, addr, r16GoodHead); status != 503 {
				t.Errorf("over MaxConnections: %d, want 503", status)
			}
		})
	}
}

// TestReview16RefusalLingersCloseTimeoutOff: with a negative
// Options.CloseTimeout (no bound), a refusal still lingers its second, so
// that a client still sending its request's body reads the answer. The
// linger took min(CloseTimeout, 1 s), 0 here: the connection was closed
// with the body unread, and the kernel's reset destroyed the answer.
func TestReview16RefusalLingersCloseTimeoutOff(t *testing.T) {
	addr := r16Serve(t, &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{CloseTimeout: -1}})
	body := make([]byte, 4<<20)
	head := fmt.Sprintf("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: %d\r\n\r\n", len(body))
	failed := 0
	for i := range 5 {
		status, err := func() (int, error) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				return 0, err
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(nc, head); err != nil {
				return 0, err
			}
			if _, err := nc.Write(body); err != nil {
				return 0, fmt.Errorf("writing the body: %w", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return resp.StatusCode, err
		}()
		if err != nil || status != 400 {
			failed++
			t.Logf("request %d: %d, %v", i, status, err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of 5 refused requests lost their answer", failed)
	}
}
