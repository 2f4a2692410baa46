package wsloop_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// closeThenPause closes the connection and then pauses its reading, as a
// consumer that lags may do while the connection is being closed.
type closeThenPause struct{ *echo }

func (h closeThenPause) OnMessage(c *ws.Conn, _ ws.Opcode, _ []byte) {
	_ = c.Close(ws.StatusNormalClosure, "bye")
	c.PauseRead()
}

// A PauseRead after Close does not pause reading: the loop must read the
// peer's answer to the close frame. It used to pause again (Close had
// resumed reading), the answer stayed unread, and the connection was
// dropped at CloseTimeout, uncleanly.
func TestPauseAfterCloseKeepsReading(t *testing.T) {
	h := closeThenPause{newEcho()}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1, CloseTimeout: 20 * time.Second}, eventloop.Config{})
	c := dial(t, u, &ws.Options{PingInterval: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("x")); err != nil {
		t.Fatal(err)
	}
	// The client reads the close frame and answers it.
	if _, _, err := c.ReadMessage(ctx); err == nil {
		t.Fatal("ReadMessage: no close")
	}
	if end := h.waitEnd(t); !strings.HasPrefix(end, "true 1000") {
		t.Fatalf("server's OnClose %q, want a clean 1000", end)
	}
}
