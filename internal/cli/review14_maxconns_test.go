package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// --max-conns N bounds the open WebSocket connections of the process on
// either driver: the (N+1)th handshake is answered 503, and one more
// fits once a connection closed.
func TestReview14ServeMaxConns(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			lines, stop := startServe(t, 1, "--driver", driver, "--addr", "127.0.0.1:0", "--max-conns", "2")
			addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var conns []*ws.Conn
			for i := range 2 {
				c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
				if err != nil {
					t.Fatalf("connection %d of 2: %v", i+1, err)
				}
				defer c.CloseNow()
				echoOnce(t, ctx, c, "hello")
				conns = append(conns, c)
			}
			_, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
			var he *ws.HandshakeError
			if !errors.As(err, &he) || he.Status != 503 {
				t.Fatalf("a third connection with --max-conns 2: %v, want 503", err)
			}
			if err := conns[0].Close(ws.StatusNormalClosure, ""); err != nil {
				t.Fatal(err)
			}
			// The slot comes back once the server saw the close: poll.
			for {
				c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
				if err == nil {
					echoOnce(t, ctx, c, "again")
					c.CloseNow()
					break
				}
				if !errors.As(err, &he) || he.Status != 503 || ctx.Err() != nil {
					t.Fatalf("after a close: %v", err)
				}
			}
			if err := conns[1].Close(ws.StatusNormalClosure, ""); err != nil {
				t.Fatal(err)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
