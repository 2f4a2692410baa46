package wsloop_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// openHandler hands its connection to the test (OnOpen) and tells how it
// ended (OnClose: ws.Conn.Err).
type openHandler struct {
	ws.BaseHandler
	opened chan *ws.Conn
	ended  chan error
}

func (h *openHandler) OnOpen(c *ws.Conn) { h.opened <- c }

func (h *openHandler) OnClose(c *ws.Conn, _ bool, _ ws.StatusCode, _ string) { h.ended <- c.Err() }

// With SlowReaderClose, a peer that reads nothing is dropped as a slow
// reader once a write is refused for it: ws's bound (2x the high
// watermark, which counts what the loop holds) used to refuse the writes
// (ws.ErrQueueFull) before any of them joined the loop's queue past its
// high watermark, so the loop's policy never applied and the connection
// stayed open for ever, its queue held, however often the writer tried.
func TestReview18SlowReaderCloseOnRefusal(t *testing.T) {
	for _, size := range []int{48 << 10, 256 << 10} {
		h := &openHandler{opened: make(chan *ws.Conn, 1), ended: make(chan error, 1)}
		url, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, SlowReader: eventloop.SlowReaderClose})
		dial(t, url, nil) // reads nothing
		var sc *ws.Conn
		select {
		case sc = <-h.opened:
		case <-time.After(5 * time.Second):
			t.Fatal("OnOpen was not called")
		}
		// A writer that goes on writing when refused (a broadcaster that
		// drops what the peer cannot take) until the connection ends.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		msg := make([]byte, size)
		var err error
		for err == nil || errors.Is(err, ws.ErrQueueFull) {
			if ctx.Err() != nil {
				err = ctx.Err()
				break
			}
			if err = sc.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
				runtime.Gosched() // let the loop take the refusal
			}
		}
		cancel()
		if !errors.Is(err, ws.ErrClosed) {
			t.Fatalf("%d B: %v; want the writer to see the connection closed (ws.ErrClosed)", size, err)
		}
		select {
		case err = <-h.ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d B: OnClose was not called", size)
		}
		if !errors.Is(err, eventloop.ErrSlowReader) {
			t.Errorf("%d B: Err in OnClose: %v; want one matching eventloop.ErrSlowReader", size, err)
		}
	}
}
