package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// --shutdown-timeout bounds the whole shutdown, the WAMP router's
// GOODBYEs included: a WAMP session that never answers its GOODBYE is
// dropped at that deadline and serve fails (exit status 1), as it does
// for WebSocket peers that do not answer their close frame. The router
// used to get a bound of its own (its 2 s close timeout, within 5 s)
// before the servers got --shutdown-timeout afresh: serve took longer
// than the flag said and still exited 0. (--close-timeout bounds the
// close handshake that dropping a session on net/http still waits for.)
func TestReview14ServeShutdownTimeoutBoundsWAMP(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			lines, stop := startServe(t, 1, "--driver", driver, "--addr", "127.0.0.1:0", "--shutdown-timeout", "50ms", "--close-timeout", "100ms")
			addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := ws.Dial(ctx, "ws://"+addr+"/ws", &ws.Options{Subprotocols: []string{"wamp.2.json"}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if err := c.WriteMessage(ctx, ws.OpText, []byte(`[1,"realm1",{"roles":{"caller":{}}}]`)); err != nil {
				t.Fatal(err)
			}
			if _, p, err := c.ReadMessage(ctx); err != nil || !strings.HasPrefix(string(p), "[2,") {
				t.Fatalf("HELLO: %q, %v; want WELCOME", p, err)
			}
			// The session reads no more: the GOODBYE is never answered.
			if err := stop(); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("serve --shutdown-timeout 50ms with a silent WAMP session: %v, want the deadline's error", err)
			}
		})
	}
}
