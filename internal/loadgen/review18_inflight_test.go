package loadgen

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// gateEcho holds its echoes until want messages arrived on the
// connection, then answers them and every later one at once: it opens
// once it saw the closed loop's messages in flight, all of them.
type gateEcho struct {
	ws.BaseHandler
	want int
	mu   sync.Mutex
	held map[*ws.Conn][][]byte
	open map[*ws.Conn]bool
}

func (h *gateEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	h.mu.Lock()
	if h.open[c] {
		h.mu.Unlock()
		_ = c.WriteMessage(context.Background(), op, p)
		return
	}
	h.held[c] = append(h.held[c], append([]byte(nil), p...))
	if len(h.held[c]) < h.want {
		h.mu.Unlock()
		return
	}
	h.open[c] = true
	held := h.held[c]
	delete(h.held, c)
	h.mu.Unlock()
	for _, m := range held {
		_ = c.WriteMessage(context.Background(), op, m)
	}
}

// The closed loop's first InFlight messages go out at once, before the
// loop has sent any: the client's output bound must take InFlight
// messages, or those past it fail in the warm-up, uncounted, and the run
// goes on with fewer in flight than it reports (here: the server never
// sees 64, so none is answered, and no error tells). 64 messages of 64
// KiB are 4 MiB, beyond the default bound (ws.DefaultOutputHigh: two
// 64 KiB messages at most).
func TestReview18ClosedLoopKeepsInFlight(t *testing.T) {
	const inFlight, size = 64, 64 << 10
	h := &gateEcho{want: inFlight, held: map[*ws.Conn][][]byte{}, open: map[*ws.Conn]bool{}}
	// The server's own bound takes the held echoes all at once.
	srv := &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1, WriteHighWatermark: 2 * inFlight * size}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	}()
	sizes, err := ParseSizes("64k")
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Dial: Dial{URL: "ws://" + addr.String() + "/echo", Conns: 1}, InFlight: inFlight, Sizes: sizes,
		Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond, Drain: 500 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	h.mu.Lock()
	opened := len(h.open)
	held := 0
	for _, m := range h.held {
		held = max(held, len(m))
	}
	h.mu.Unlock()
	if opened != 1 {
		t.Fatalf("%d in flight asked, yet the server had at most %d at once (sent %d, errors %d in the measured time): fewer went out", inFlight, held, res.Sent, res.Errors)
	}
}
