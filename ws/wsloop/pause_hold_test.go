package wsloop_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// pauseHolder pauses reading on the first message of the connection sending
// "first", records every message after it, and counts those delivered
// while it holds the pause.
type pauseHolder struct {
	ws.BaseHandler
	paused  chan *ws.Conn // the connection, once paused
	holding atomic.Bool
	overrun atomic.Int32 // messages delivered while paused
	got     chan string
}

func (h *pauseHolder) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	switch s := string(p); {
	case s == "first":
		h.holding.Store(true)
		c.PauseRead()
		h.paused <- c
	case s == "ping":
		_ = c.WriteMessage(context.Background(), op, p) // another connection's echo
	default:
		if h.holding.Load() {
			h.overrun.Add(1)
		}
		h.got <- s
	}
}

// A handler that pauses reading in OnMessage gets no more messages until
// it resumes, even those of the same read: on the loop they used to come
// at once (a WAMP session's inbox, which pauses at a quarter of its
// bounds, was handed thousands of small messages of one 64 KiB read and
// closed the connection with 1008). They come after ResumeRead, in order.
func TestPauseReadHoldsTheRestOfTheRead(t *testing.T) {
	const n = 2000
	h := &pauseHolder{paused: make(chan *ws.Conn, 1), got: make(chan string, n)}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1})
	a := dial(t, u, &ws.Options{PingInterval: -1})
	b := dial(t, u, &ws.Options{PingInterval: -1})
	msgs := [][]byte{[]byte("first")}
	for i := range n {
		msgs = append(msgs, []byte(strconv.Itoa(i)))
	}
	checkHeldWhilePaused(t, h, a, b, msgs)
}

// checkHeldWhilePaused sends msgs (the first makes h pause reading) from a
// in one write, then checks that none of the others reaches OnMessage
// until ResumeRead (b's echo on the same loop shows the loop finished a's
// input) and that they all come after it, in order; msgs[i+1] is i.
func checkHeldWhilePaused(t *testing.T, h *pauseHolder, a, b *ws.Conn, msgs [][]byte) {
	t.Helper()
	n := len(msgs) - 1
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// One write: the messages arrive in one read of the loop.
	if err := a.WriteMessages(ctx, ws.OpText, msgs); err != nil {
		t.Fatal(err)
	}
	var sc *ws.Conn
	select {
	case sc = <-h.paused:
	case <-ctx.Done():
		t.Fatal("no first message")
	}
	// One loop: once b's echo is back, the loop has finished a's input.
	if err := b.WriteMessage(ctx, ws.OpText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.ReadMessage(ctx); err != nil {
		t.Fatal(err)
	}
	if k := h.overrun.Load(); k > 0 {
		t.Fatalf("%d messages came to OnMessage after PauseRead", k)
	}
	h.holding.Store(false)
	sc.ResumeRead()
	for i := range n {
		select {
		case s := <-h.got:
			if s != strconv.Itoa(i) {
				t.Fatalf("message %d: got %q", i, s)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d messages after ResumeRead", i, n)
		}
	}
}
