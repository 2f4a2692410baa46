package ws_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/ws"
)

// unreadBody is what a refused request carries that the server does not
// read.
var unreadBody = make([]byte, 4<<20)

// TestReview15bRefusalUnreadInput: a refused handshake gets its answer
// whatever it sent that the server did not read. ws.Server closed the
// connection right after writing its 400 (an upgrade request carrying a
// body) or its 503 (MaxConnections reached: the request is not even
// read), and the kernel answers unread input with a reset: a client
// still writing saw "broken pipe" or "connection reset by peer" instead
// of the answer. Now it shuts its write side (after TLS's close_notify on
// wss://) and discards the input until the client closes (within a
// bound), as net/http does.
func TestReview15bRefusalUnreadInput(t *testing.T) {
	head := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: %d\r\n\r\n", len(unreadBody))
	check := func(t *testing.T, addr string, want int, cfg *tls.Config) {
		t.Helper()
		failed := 0
		for i := range 10 {
			if status, _, err := testpeer.SendUnread(addr, head, unreadBody, cfg); err != nil || status != want {
				failed++
				t.Logf("request %d: %d, %v", i, status, err)
			}
		}
		if failed > 0 {
			t.Fatalf("%d of 10 requests lost their answer", failed)
		}
	}
	t.Run("400", func(t *testing.T) {
		check(t, serveRaw(t, &ws.Server{Handler: &echoHandler{}}), 400, nil)
	})
	t.Run("wss-400", func(t *testing.T) {
		srvCfg, cliCfg := mutualTLS(t)
		srv := &ws.Server{Handler: &echoHandler{}}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan struct{})
		go func() { _ = srv.Serve(tls.NewListener(ln, srvCfg)); close(served) }()
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			<-served
		}()
		check(t, ln.Addr().String(), 400, cliCfg)
	})
	t.Run("503", func(t *testing.T) {
		addr := serveRaw(t, &ws.Server{Handler: &echoHandler{}, Options: &ws.Options{MaxConnections: 1}})
		c := dialT(t, "ws://"+addr+"/", nil) // takes the one slot
		defer c.CloseNow()
		check(t, addr, 503, nil)
	})
}
