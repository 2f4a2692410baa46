package ws

import (
	"context"
	"testing"
)

// A connection waiting in AwaitInput(0) between messages holds no Parser
// (it went back to parserPool: a parked idle connection is smaller), also
// after a pong that came alone was handled during the wait; the next
// ReadMessage takes one again and reads the whole message.
func TestAwaitInputReleasesParser(t *testing.T) {
	url, _ := startServer(t, newEcho(), nil)
	c := dial(t, url, nil)
	ctx := context.Background()
	for i, msg := range []string{"one", "two", "three"} {
		if err := c.Ping(ctx, []byte("p")); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteMessage(ctx, OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if !c.AwaitInput(0) {
			t.Fatal("AwaitInput(0) reported no input")
		}
		// AwaitInput ran on this goroutine, the reading one: no race.
		if c.parser != nil {
			t.Fatalf("round %d: the connection holds its Parser after AwaitInput", i)
		}
		op, p, err := c.ReadMessage(ctx)
		if err != nil || op != OpText || string(p) != msg {
			t.Fatalf("round %d: %v %q %v", i, op, p, err)
		}
		if c.parser == nil {
			t.Fatalf("round %d: no Parser after ReadMessage", i)
		}
	}
}
