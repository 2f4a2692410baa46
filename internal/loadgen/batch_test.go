package loadgen

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// countEcho echoes and counts the messages of each connection.
type countEcho struct {
	ws.BaseHandler
	mu   sync.Mutex
	seen map[*ws.Conn]int
}

func (e *countEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
	e.mu.Lock()
	e.seen[c]++
	e.mu.Unlock()
}

// TestLoadgenBatch runs the batched closed loop: every connection sends
// whole batches of InFlight messages (the sliding window of the plain
// closed loop stops at any count), and the counts hold.
func TestLoadgenBatch(t *testing.T) {
	h := &countEcho{seen: map[*ws.Conn]int{}}
	srv := &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	})
	sizes, _ := ParseSizes("16:1,300:1")
	r := &Run{Dial: Dial{URL: "ws://" + addr.String() + "/echo", Conns: 3}, InFlight: 5, Batch: true, Sizes: sizes,
		Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Connected != 3 || res.Received == 0 || res.Errors != 0 || !res.Batch || res.InFlight != 5 {
		t.Fatalf("batch run %+v", res)
	}
	// Whole batches only: every connection sent a multiple of 5 in all.
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) != 3 {
		t.Errorf("server saw %d connections", len(h.seen))
	}
	for c, n := range h.seen {
		if n%5 != 0 || n < 10 {
			t.Errorf("connection %v: %d messages, want whole batches of 5", c.RemoteAddr(), n)
		}
	}
	var sb strings.Builder
	if err := res.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "5 in flight per connection, sent in batches") {
		t.Errorf("text (%v):\n%s", err, sb.String())
	}
}
