package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// --shutdown-timeout bounds serve's shutdown even when a WAMP client
// joined and then reads nothing: it answers neither the GOODBYE nor the
// close frame, and --close-timeout is far longer. serve drops it at the
// deadline and exits with an error (a dropped session), on either driver.
func TestReview15ServeShutdownSilentWAMPPeer(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			lines, stop := startServe(t, 1, "--driver", driver, "--addr", "127.0.0.1:0",
				"--shutdown-timeout", "200ms", "--close-timeout", "1m")
			addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := joinWAMP(ctx, t, addr)
			defer c.NetConn().Close()
			// From here the client reads nothing.
			done := make(chan error, 1)
			go func() { done <- stop() }()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("serve exited 0 after dropping a session at --shutdown-timeout")
				}
			case <-time.After(20 * time.Second): // generous: the bug waits --close-timeout, a minute
				t.Error("serve did not stop within --shutdown-timeout: it waits for a client that never answers the close")
				_ = c.NetConn().Close() // lets it end, for the next test
				<-done
			}
		})
	}
}

// joinWAMP joins realm1 of the serve at addr over WebSocket JSON by hand
// and returns the connection, which then reads nothing more.
func joinWAMP(ctx context.Context, t *testing.T, addr string) *ws.Conn {
	t.Helper()
	c, err := ws.Dial(ctx, "ws://"+addr+"/ws", &ws.Options{Subprotocols: []string{"wamp.2.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, ws.OpText, []byte(`[1,"realm1",{"roles":{"caller":{}}}]`)); err != nil {
		c.NetConn().Close()
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || !strings.HasPrefix(string(p), "[2,") {
		c.NetConn().Close()
		t.Fatalf("WELCOME: %q, %v", p, err)
	}
	return c
}
