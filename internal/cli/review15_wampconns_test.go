package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// With --driver std, WAMP sessions on /ws are WebSocket connections of
// the process like /echo's: --max-conns bounds them together (the third
// of --max-conns 2 is answered 503, on /ws and on /echo), the websocket_*
// metrics count them, and a session's slot comes back when it closes.
func TestReview15ServeStdWAMPCounted(t *testing.T) {
	lines, stop := startServe(t, 1, "--driver", "std", "--addr", "127.0.0.1:0", "--max-conns", "2")
	addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	joinWAMP := func() (*client.Session, error) {
		tr, err := websocket.Dial(ctx, "ws://"+addr+"/ws", opts)
		if err != nil {
			return nil, err
		}
		s, err := client.Join(ctx, tr, "realm1", client.JoinOptions{})
		if err != nil {
			tr.Close()
			t.Fatal(err)
		}
		return s, nil
	}
	var sessions []*client.Session
	for i := range 2 {
		s, err := joinWAMP()
		if err != nil {
			t.Fatalf("WAMP session %d of 2: %v", i+1, err)
		}
		defer s.Close()
		sessions = append(sessions, s)
	}
	if n := scrape(t, addr)["websocket_connections_active"]; n != 2 {
		t.Fatalf("websocket_connections_active %v with 2 WAMP sessions open, want 2", n)
	}
	var he *ws.HandshakeError
	if s, err := joinWAMP(); !errors.As(err, &he) || he.Status != 503 {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a third WAMP session with --max-conns 2: %v, want 503", err)
	}
	if c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil); !errors.As(err, &he) || he.Status != 503 {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("an echo connection beside 2 WAMP sessions with --max-conns 2: %v, want 503", err)
	}
	if n := scrape(t, addr)[`websocket_handshakes_rejected_total{status="503"}`]; n != 2 {
		t.Fatalf(`websocket_handshakes_rejected_total{status="503"} %v, want 2`, n)
	}
	if err := sessions[0].Close(); err != nil {
		t.Fatal(err)
	}
	// The slot and the close are counted once the server has closed: poll.
	for scrape(t, addr)["websocket_connections_active"] != 1 ||
		scrape(t, addr)[`websocket_closes_total{code="1000"}`] != 1 {
		if ctx.Err() != nil {
			t.Fatal("the closed WAMP session is not counted as closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s, err := joinWAMP()
	if err != nil {
		t.Fatalf("a WAMP session after one closed: %v", err)
	}
	defer s.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
