package wsloop_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// causeHandler records what ws.Conn.Err says in OnClose; with flood set,
// it answers every message with 48 KiB (a full queue's refusal,
// ErrQueueFull, ignored) and then tells handled.
type causeHandler struct {
	ws.BaseHandler
	flood   bool
	handled chan struct{}
	ended   chan error
}

func (h *causeHandler) OnMessage(c *ws.Conn, _ ws.Opcode, _ []byte) {
	if h.flood {
		_ = c.WriteMessage(context.Background(), ws.OpBinary, make([]byte, 48<<10))
		h.handled <- struct{}{}
	}
}

func (h *causeHandler) OnClose(c *ws.Conn, _ bool, code ws.StatusCode, _ string) {
	err := c.Err()
	if code != ws.StatusAbnormalClosure {
		err = errors.New("closed with " + code.String())
	}
	h.ended <- err
}

func (h *causeHandler) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.ended:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose was not called")
		return nil
	}
}

// When the loop drops a connection, the Handler learns why from
// ws.Conn.Err: OnClose says 1006 with no reason whether the peer went away
// or this side dropped it (IdleTimeout, a peer too slow to read under
// SlowReaderClose), and the cause the loop had was lost on the way.
func TestReview18LoopDropCause(t *testing.T) {
	t.Run("idle timeout", func(t *testing.T) {
		h := &causeHandler{ended: make(chan error, 1)}
		url, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, IdleTimeout: 100 * time.Millisecond})
		dial(t, url, nil)
		if err := h.wait(t); !errors.Is(err, eventloop.ErrTimeout) || !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Err in OnClose: %v; want one matching eventloop.ErrTimeout and ws.ErrClosed", err)
		}
	})
	t.Run("slow reader dropped", func(t *testing.T) {
		h := &causeHandler{flood: true, handled: make(chan struct{}, 1), ended: make(chan error, 1)}
		url, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, SlowReader: eventloop.SlowReaderClose})
		c := dial(t, url, nil) // reads nothing
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// One message at a time, so that each answer is a write of its own
		// callback: once the kernel's buffers are full, one of them joins
		// more than the high watermark of queued output.
		var err error
	flood:
		for {
			if werr := c.WriteMessage(ctx, ws.OpText, []byte("more")); werr != nil {
				err = h.wait(t)
				break
			}
			select {
			case <-h.handled:
			case err = <-h.ended:
				break flood
			case <-ctx.Done():
				t.Fatal("the connection of a peer that reads nothing was not closed")
			}
		}
		if !errors.Is(err, eventloop.ErrSlowReader) || !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Err in OnClose: %v; want one matching eventloop.ErrSlowReader and ws.ErrClosed", err)
		}
	})
	t.Run("peer went away", func(t *testing.T) {
		h := &causeHandler{ended: make(chan error, 1)}
		url, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1})
		c := dial(t, url, nil)
		_ = c.NetConn().Close()
		if err := h.wait(t); !errors.Is(err, io.EOF) || !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Err in OnClose: %v; want one matching io.EOF and ws.ErrClosed", err)
		}
	})
}
