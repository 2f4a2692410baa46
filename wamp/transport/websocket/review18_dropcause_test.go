package websocket_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// floodReceiver answers every message with an ABORT of 48 KiB (SendNow;
// a full queue's refusal ignored), then tells handled; OnClose's error
// goes to ended.
type floodReceiver struct {
	handled chan struct{}
	ended   chan error
}

func (r *floodReceiver) OnOpen(*websocket.Conn) {}

func (r *floodReceiver) OnMessage(c *websocket.Conn, _ wamp.Message) {
	_ = c.SendNow(&wamp.Abort{Details: wamp.Dict{"message": strings.Repeat("x", 48<<10)}, Reason: "wamp.error.flood"})
	r.handled <- struct{}{}
}

func (r *floodReceiver) OnClose(_ *websocket.Conn, err error) { r.ended <- err }

// On the loop, the end of a connection dropped without a close handshake
// tells whose doing it was: Recv (and a Receiver's OnClose) said
// "connection ended without a close handshake" whether the peer went away
// or this side's loop dropped the connection, and matched io.EOF for
// both. Now a drop of this side says so and matches its cause
// (eventloop.ErrTimeout, eventloop.ErrSlowReader), not io.EOF; the peer's
// end of TCP matches io.EOF. All match ws.ErrClosed, as documented.
func TestReview18LoopDropCause(t *testing.T) {
	opts := websocket.Options{
		Serializers: []wamp.Serializer{json.Serializer{}},
		WS:          &ws.Options{PingInterval: -1},
	}
	// session serves one connection with a Recv loop and returns Recv's
	// error.
	session := func(t *testing.T, cfg eventloop.Config) (url string, ended chan error) {
		ended = make(chan error, 1)
		h := websocket.LoopHandler(opts, func(c *websocket.Conn) {
			for {
				if _, err := c.Recv(context.Background()); err != nil {
					ended <- err
					return
				}
			}
		})
		addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: opts.WS, Config: cfg})
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("wsloop.Server: %v", err)
			}
			if err := h.Wait(ctxT(t)); err != nil {
				t.Errorf("Wait: %v", err)
			}
		})
		return "ws://" + addr.String() + "/ws", ended
	}
	wait := func(t *testing.T, ended chan error) error {
		t.Helper()
		select {
		case err := <-ended:
			return err
		case <-ctxT(t).Done():
			t.Fatal("the connection did not end")
			return nil
		}
	}
	rawDial := func(t *testing.T, url string) *ws.Conn {
		t.Helper()
		c, err := ws.Dial(ctxT(t), url, opts.WSOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		return c
	}
	droppedHere := func(t *testing.T, err, cause error) {
		t.Helper()
		if !errors.Is(err, cause) || !errors.Is(err, ws.ErrClosed) || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "dropped by this side") {
			t.Errorf("end: %v; want this side's drop, matching %v and ws.ErrClosed, not io.EOF", err, cause)
		}
	}

	t.Run("idle timeout", func(t *testing.T) {
		url, ended := session(t, eventloop.Config{Loops: 1, IdleTimeout: 100 * time.Millisecond})
		rawDial(t, url) // says nothing
		droppedHere(t, wait(t, ended), eventloop.ErrTimeout)
	})
	t.Run("idle timeout of DialLoop's loop", func(t *testing.T) {
		url, ended := session(t, eventloop.Config{Loops: 1})
		o := opts
		o.WS = &ws.Options{PingInterval: -1, Subprotocols: opts.Subprotocols()}
		cl := &wsloop.Client{Options: o.WS, Config: eventloop.Config{Loops: 1, IdleTimeout: 100 * time.Millisecond}}
		t.Cleanup(func() { cl.Close() })
		c, err := websocket.DialLoop(ctxT(t), cl, url, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_, err = c.Recv(ctxT(t))
		droppedHere(t, err, eventloop.ErrTimeout)
		if err := wait(t, ended); !errors.Is(err, io.EOF) {
			t.Errorf("the server's end: %v; want the peer's, matching io.EOF", err)
		}
	})
	t.Run("peer went away", func(t *testing.T) {
		url, ended := session(t, eventloop.Config{Loops: 1})
		c := rawDial(t, url)
		_ = c.NetConn().Close()
		if err := wait(t, ended); !errors.Is(err, io.EOF) || !errors.Is(err, ws.ErrClosed) || strings.Contains(err.Error(), "dropped by this side") {
			t.Errorf("end: %v; want the peer's, matching io.EOF and ws.ErrClosed", err)
		}
	})
	t.Run("slow reader", func(t *testing.T) {
		r := &floodReceiver{handled: make(chan struct{}, 1), ended: make(chan error, 1)}
		addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: websocket.LoopReceiver(opts, r), Options: opts.WS,
			Config: eventloop.Config{Loops: 1, SlowReader: eventloop.SlowReaderClose}})
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("wsloop.Server: %v", err)
			}
		})
		c := rawDial(t, "ws://"+addr.String()+"/ws") // reads nothing
		// One message at a time, so that each answer is a write of its own
		// callback: once the kernel's buffers are full, one of them joins
		// more than the high watermark of queued output.
		var end error
	flood:
		for {
			if err := c.WriteMessage(ctxT(t), ws.OpText, []byte(`[6,{},"wamp.close.normal"]`)); err != nil {
				end = wait(t, r.ended)
				break
			}
			select {
			case <-r.handled:
			case end = <-r.ended:
				break flood
			case <-ctxT(t).Done():
				t.Fatal("the connection of a peer that reads nothing was not closed")
			}
		}
		droppedHere(t, end, eventloop.ErrSlowReader)
	})
}
