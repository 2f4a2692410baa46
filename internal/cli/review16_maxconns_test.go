package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// --max-conns N bounds the process, not each port: with --driver std and
// --loop-addr, net/http's port and the event loop's admit N WebSocket
// connections together (each allowed N, 2N in all), the one more gets 503
// on either port, and a slot freed on one port serves the other.
func TestReview16ServeMaxConnsShared(t *testing.T) {
	lines, stop := startServe(t, 2, "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0", "--max-conns", "2")
	std := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
	loop := find(t, `event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`, lines[1])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(addr string) (*ws.Conn, error) {
		c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
		if err == nil {
			t.Cleanup(func() { c.CloseNow() })
			echoOnce(t, ctx, c, "hello")
			// Read on: serve's close frame is answered at once.
			go func() {
				for {
					if _, _, err := c.ReadMessage(context.Background()); err != nil {
						return
					}
				}
			}()
		}
		return c, err
	}
	is503 := func(err error) bool {
		var he *ws.HandshakeError
		return errors.As(err, &he) && he.Status == 503
	}
	onStd, err := dial(std)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(loop); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{loop, std} {
		if _, err := dial(addr); !is503(err) {
			t.Fatalf("a third connection (on %s) with --max-conns 2, one open on each port: %v, want 503", addr, err)
		}
	}
	if n := scrape(t, std)[`websocket_handshakes_rejected_total{status="503"}`]; n != 2 {
		t.Fatalf(`websocket_handshakes_rejected_total{status="503"} %v, want 2`, n)
	}
	// The std port's slot, once freed (the server saw the close: poll),
	// lets a connection in on the loop's.
	if err := onStd.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := dial(loop)
		if err == nil {
			break
		}
		if !is503(err) || ctx.Err() != nil {
			t.Fatalf("on the loop after a close on net/http's port: %v", err)
		}
	}
	if _, err := dial(std); !is503(err) {
		t.Fatalf("a third connection after the swap: %v, want 503", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
