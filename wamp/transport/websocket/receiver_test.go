package websocket_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// ending is a LoopReceiver connection's end as OnClose told it, with every
// message the Receiver got on it (kept until then: were a decoded message
// to share ws's read buffer, later input would have overwritten it).
type ending struct {
	msgs []wamp.Message
	err  error
}

// testReceiver keeps every message and echoes it with SendNow, unless
// handle is set, which then decides.
type testReceiver struct {
	handle func(c *websocket.Conn, m wamp.Message)
	opened chan *websocket.Conn // when set, gets every connection at OnOpen
	opens  atomic.Int64
	ends   chan ending // every OnClose, in order
	errs   chan error  // the echo's SendNow failures
}

func newReceiver(handle func(*websocket.Conn, wamp.Message)) *testReceiver {
	return &testReceiver{handle: handle, ends: make(chan ending, 1024), errs: make(chan error, 16)}
}

func (r *testReceiver) OnOpen(c *websocket.Conn) {
	c.SetData(&[]wamp.Message{})
	r.opens.Add(1)
	if r.opened != nil {
		r.opened <- c
	}
}

func (r *testReceiver) OnMessage(c *websocket.Conn, m wamp.Message) {
	log := c.Data().(*[]wamp.Message)
	*log = append(*log, m)
	if r.handle != nil {
		r.handle(c, m)
		return
	}
	if err := c.SendNow(m); err != nil {
		select {
		case r.errs <- err:
		default:
		}
	}
}

func (r *testReceiver) OnClose(c *websocket.Conn, err error) {
	select {
	case r.ends <- ending{*c.Data().(*[]wamp.Message), err}:
	default: // a test with more connections than it looks at
	}
}

// end waits for the next OnClose.
func (r *testReceiver) end(t *testing.T) ending {
	t.Helper()
	select {
	case e := <-r.ends:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose")
		return ending{}
	}
}

// checkEchoErrors fails t if the echo's SendNow failed.
func (r *testReceiver) checkEchoErrors(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.errs:
		t.Fatalf("SendNow: %v", err)
	default:
	}
}

// startReceiver serves LoopReceiver(opts, r) on a wsloop.Server and
// returns its ws:// URL and its stop (also run when the test ends).
func startReceiver(t testing.TB, opts websocket.Options, r websocket.Receiver, cfg eventloop.Config) (string, func() error) {
	t.Helper()
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: websocket.LoopReceiver(opts, r), Options: opts.WS, Config: cfg})
	return "ws://" + addr.String() + "/ws", stop
}

// poll waits until cond holds, for up to 10 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// opOf is the frame type of s.
func opOf(s wamp.Serializer) ws.Opcode {
	if s.Binary() {
		return ws.OpBinary
	}
	return ws.OpText
}

// TestReceiverRoundTrip: every message shape, with binary payloads small
// and large, goes through a LoopReceiver echo (decoded on the loop, sent
// back with SendNow) for every serializer, plain and batched, from a
// goroutine client and a loop client; the Receiver kept every message it
// got, and at the end they are all intact.
func TestReceiverRoundTrip(t *testing.T) {
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "com.bin", Args: wamp.List{bin, []byte{}, wamp.List{bin}}, Kwargs: wamp.Dict{"b": bin}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bytes.Repeat(bin, 20000)},
	)
	r := newReceiver(nil)
	url, _ := startReceiver(t, websocket.Options{Serializers: all, Batched: true, WS: &ws.Options{AutoFragmentSize: 1000}}, r, eventloop.Config{Loops: 2})
	clients := []struct {
		name string
		dial func(t *testing.T, url string, opts websocket.Options) *websocket.Conn
	}{{"goroutine-client", dial}, {"loop-client", dialLoop}}
	for _, cl := range clients {
		for _, s := range all {
			for _, batched := range []bool{false, true} {
				want := websocket.Subprotocol(s, batched)
				t.Run(cl.name+"/"+want, func(t *testing.T) {
					c := cl.dial(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched})
					if c.Subprotocol() != want {
						t.Fatalf("negotiated %q", c.Subprotocol())
					}
					ctx := ctxT(t)
					for range 3 {
						echoed(t, ctx, c, msgs...)
					}
					c.Close()
					e := r.end(t)
					var ce *ws.CloseError
					if !errors.Is(e.err, io.EOF) || !errors.As(e.err, &ce) || ce.Code != ws.StatusNormalClosure {
						t.Fatalf("OnClose: %v", e.err)
					}
					if len(e.msgs) != 3*len(msgs) {
						t.Fatalf("the Receiver got %d messages, want %d", len(e.msgs), 3*len(msgs))
					}
					for i, m := range e.msgs {
						if err := vectors.MessagesEqual(msgs[i%len(msgs)], m); err != nil {
							t.Fatalf("kept message %d (%v): %v", i, m.Type(), err)
						}
					}
					r.checkEchoErrors(t)
				})
			}
		}
	}
}

// TestReceiverBatches: a batched WebSocket message of several WAMP
// messages reaches OnMessage as that many calls, in order.
func TestReceiverBatches(t *testing.T) {
	msgs := []wamp.Message{
		&wamp.Published{Request: 1, Publication: 2},
		&wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{}, Args: wamp.List{[]byte{0, 0x18, 0xff}, "x\x18y"}},
		&wamp.Unsubscribed{Request: 5},
	}
	r := newReceiver(nil)
	url, _ := startReceiver(t, websocket.Options{Serializers: all, Batched: true}, r, eventloop.Config{Loops: 1})
	for _, s := range all {
		t.Run(s.Name(), func(t *testing.T) {
			ctx := ctxT(t)
			wc, err := ws.Dial(ctx, url, &ws.Options{Subprotocols: []string{websocket.Subprotocol(s, true)}})
			if err != nil {
				t.Fatal(err)
			}
			defer wc.CloseNow()
			var frame []byte
			for _, m := range msgs {
				frame, _ = wamp.AppendBatched(frame, s, m)
			}
			if err := wc.WriteMessage(ctx, opOf(s), frame); err != nil {
				t.Fatal(err)
			}
			for i, want := range msgs { // each echoed as a batch of one
				_, p, err := wc.ReadMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				if err := wamp.SplitBatched(s, p, func(m wamp.Message) error { n++; return vectors.MessagesEqual(want, m) }); err != nil || n != 1 {
					t.Fatalf("echo %d: %v (%d messages)", i, err, n)
				}
			}
			wc.Close(ws.StatusNormalClosure, "")
			if e := r.end(t); len(e.msgs) != len(msgs) {
				t.Fatalf("the Receiver got %d messages", len(e.msgs))
			}
		})
	}
}

// TestDecodedMessagesOwnTheirData is why decoding straight from ws's
// buffer is safe: for every serializer, plain and batched, a decoded
// message is intact after its input is overwritten.
func TestDecodedMessagesOwnTheirData(t *testing.T) {
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{"transaction_hash": "v"}, Procedure: "com.bin", Args: wamp.List{bin, "text", wamp.List{bin}}, Kwargs: wamp.Dict{"b": bin}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bytes.Repeat(bin, 100)},
	)
	scribble := func(b []byte) {
		for i := range b {
			b[i] = 0xa5
		}
	}
	for _, s := range all {
		t.Run(s.Name(), func(t *testing.T) {
			got := make([]wamp.Message, len(msgs))
			for i, m := range msgs {
				b, err := s.AppendMessage(nil, m)
				if err != nil {
					t.Fatal(err)
				}
				if got[i], err = s.Unmarshal(b); err != nil {
					t.Fatalf("%v: %v", m.Type(), err)
				}
				scribble(b)
			}
			var frame []byte
			for _, m := range msgs {
				frame, _ = wamp.AppendBatched(frame, s, m)
			}
			if err := wamp.SplitBatched(s, frame, func(m wamp.Message) error { got = append(got, m); return nil }); err != nil {
				t.Fatal(err)
			}
			scribble(frame)
			for i, m := range got {
				if err := vectors.MessagesEqual(msgs[i%len(msgs)], m); err != nil {
					t.Fatalf("message %d (%v) after its input was overwritten: %v", i, m.Type(), err)
				}
			}
		})
	}
}

// TestReceiverMalformed: what does not decode closes the connection, 1003
// for a frame of the wrong type, 1007 for the rest, delivers nothing more
// (not the good messages sent after it, nor those before it in its
// batch), and OnClose reports the error Recv returns for it.
func TestReceiverMalformed(t *testing.T) {
	tests := []struct {
		name    string
		ser     wamp.Serializer
		batched bool
		op      ws.Opcode
		payload []byte
		code    ws.StatusCode
		want    error
	}{
		{"binary frame for json", json.Serializer{}, false, ws.OpBinary, []byte(`[17,1,2]`), ws.StatusUnsupportedData, websocket.ErrFrameType},
		{"text frame for cbor", cbor.Serializer{}, false, ws.OpText, []byte("cab"), ws.StatusUnsupportedData, websocket.ErrFrameType},
		{"json garbage", json.Serializer{}, false, ws.OpText, []byte(`[17,1`), ws.StatusInvalidFramePayloadData, wamp.ErrProtocolViolation},
		{"cbor garbage", cbor.Serializer{}, false, ws.OpBinary, []byte{0x83, 0x11, 0xff}, ws.StatusInvalidFramePayloadData, wamp.ErrProtocolViolation},
		{"not a WAMP message", json.Serializer{}, false, ws.OpText, []byte(`[9999,1]`), ws.StatusInvalidFramePayloadData, wamp.ErrProtocolViolation},
		{"unterminated json batch", json.Serializer{}, true, ws.OpText, []byte(`[17,1,2]`), ws.StatusInvalidFramePayloadData, wamp.ErrBatchFormat},
		{"bad message after a good one in a batch", json.Serializer{}, true, ws.OpText, []byte("[17,1,2]\x18[17,1\x18"), ws.StatusInvalidFramePayloadData, wamp.ErrProtocolViolation},
		{"short msgpack batch", all[1], true, ws.OpBinary, []byte{0, 0, 0, 9, 0x93}, ws.StatusInvalidFramePayloadData, wamp.ErrBatchFormat},
		{"empty batch", all[1], true, ws.OpBinary, []byte{}, ws.StatusInvalidFramePayloadData, wamp.ErrProtocolViolation},
	}
	r := newReceiver(nil)
	url, _ := startReceiver(t, websocket.Options{Serializers: all, Batched: true}, r, eventloop.Config{Loops: 1})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			wc, err := ws.Dial(ctx, url, &ws.Options{Subprotocols: []string{websocket.Subprotocol(tt.ser, tt.batched)}})
			if err != nil {
				t.Fatal(err)
			}
			defer wc.CloseNow()
			var good []byte
			if tt.batched {
				good, _ = wamp.AppendBatched(nil, tt.ser, &wamp.Published{Request: 1, Publication: 2})
			} else {
				good, _ = tt.ser.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
			}
			if err := wc.WriteMessage(ctx, tt.op, tt.payload); err != nil {
				t.Fatal(err)
			}
			_ = wc.WriteMessage(ctx, opOf(tt.ser), good) // may find the connection closing
			_, p, err := wc.ReadMessage(ctx)
			var ce *ws.CloseError
			if !errors.As(err, &ce) || ce.Code != tt.code || !strings.HasPrefix(ce.Reason, "WAMP: ") {
				t.Fatalf("peer read %q, %v; want close %v", p, err, tt.code)
			}
			e := r.end(t)
			if !errors.Is(e.err, tt.want) || !errors.Is(e.err, wamp.ErrProtocolViolation) {
				t.Fatalf("OnClose: %v, want %v", e.err, tt.want)
			}
			if len(e.msgs) != 0 {
				t.Fatalf("delivered %v", e.msgs)
			}
		})
	}
}

// TestReceiverEnds: how OnClose reports the end of a connection, and
// that nothing is delivered after it.
func TestReceiverEnds(t *testing.T) {
	publish := func(topic string) *wamp.Publish {
		return &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: wamp.URI(topic)}
	}
	t.Run("the Receiver closes", func(t *testing.T) {
		sendErr := make(chan error, 1)
		r := newReceiver(func(c *websocket.Conn, m wamp.Message) {
			if m.(*wamp.Publish).Topic == "close" {
				c.Close()
				sendErr <- c.SendNow(m)
			}
		})
		url, _ := startReceiver(t, websocket.Options{Serializers: all, Batched: true}, r, eventloop.Config{Loops: 1})
		ctx := ctxT(t)
		wc, err := ws.Dial(ctx, url, &ws.Options{Subprotocols: []string{"wamp.2.json.batched"}})
		if err != nil {
			t.Fatal(err)
		}
		defer wc.CloseNow()
		frame, _ := wamp.AppendBatched(nil, json.Serializer{}, publish("close"))
		frame, _ = wamp.AppendBatched(frame, json.Serializer{}, publish("after.close.batch"))
		wc.WriteMessage(ctx, ws.OpText, frame)
		again, _ := wamp.AppendBatched(nil, json.Serializer{}, publish("after.close"))
		wc.WriteMessage(ctx, ws.OpText, again)
		var ce *ws.CloseError
		if _, _, err := wc.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusNormalClosure {
			t.Fatalf("peer: %v", err)
		}
		e := r.end(t)
		if !errors.Is(e.err, websocket.ErrClosed) || len(e.msgs) != 1 {
			t.Fatalf("OnClose: %v after %d messages", e.err, len(e.msgs))
		}
		if err := <-sendErr; !errors.Is(err, websocket.ErrClosed) {
			t.Fatalf("SendNow after Close: %v", err)
		}
	})
	t.Run("the peer closes", func(t *testing.T) {
		r := newReceiver(nil)
		url, _ := startReceiver(t, websocket.Options{Serializers: all}, r, eventloop.Config{Loops: 1})
		wc, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}})
		if err != nil {
			t.Fatal(err)
		}
		wc.Close(ws.StatusGoingAway, "bye")
		e := r.end(t)
		var ce *ws.CloseError
		if !errors.Is(e.err, io.EOF) || !errors.Is(e.err, ws.ErrClosed) || !errors.As(e.err, &ce) || ce.Code != ws.StatusGoingAway || ce.Reason != "bye" || !ce.WasClean {
			t.Fatalf("OnClose: %v", e.err)
		}
	})
	t.Run("message too large", func(t *testing.T) {
		r := newReceiver(nil)
		url, _ := startReceiver(t, websocket.Options{Serializers: all, WS: &ws.Options{MaxMessagePayload: 1000}}, r, eventloop.Config{Loops: 1})
		c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err := c.Send(ctxT(t), &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 2000)}}); err != nil {
			t.Fatal(err)
		}
		if e := r.end(t); !errors.Is(e.err, websocket.ErrMessageTooLarge) || !errors.Is(e.err, ws.ErrMessageTooBig) {
			t.Fatalf("OnClose: %v", e.err)
		}
		var ce *ws.CloseError
		if _, err := c.Recv(ctxT(t)); !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig {
			t.Fatalf("client Recv: %v", err)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		// Shutdown returns after every OnClose: nothing to wait for.
		const n = 3
		r := newReceiver(nil)
		url, stop := startReceiver(t, websocket.Options{Serializers: all}, r, eventloop.Config{Loops: 2})
		for range n { // loop clients: their loop answers the close at once
			dialLoop(t, url, websocket.Options{Serializers: all})
		}
		poll(t, "OnOpen", func() bool { return r.opens.Load() == n })
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if len(r.ends) != n {
			t.Fatalf("%d OnClose calls when Shutdown returned", len(r.ends))
		}
	})
}

// TestReceiverMisuse: Recv on a LoopReceiver connection, SendNow on a
// connection of the goroutine driver; SendNow on a DialLoop connection.
func TestReceiverMisuse(t *testing.T) {
	r := newReceiver(nil)
	r.opened = make(chan *websocket.Conn, 1)
	url, _ := startReceiver(t, websocket.Options{Serializers: all}, r, eventloop.Config{Loops: 1})
	c := dial(t, url, websocket.Options{Serializers: all})
	sc := <-r.opened
	if _, err := sc.Recv(ctxT(t)); !errors.Is(err, ws.ErrPushMode) {
		t.Fatalf("Recv on a Receiver's connection: %v", err)
	}
	if err := c.SendNow(&wamp.Published{Request: 1, Publication: 1}); err == nil {
		t.Fatal("SendNow on a goroutine connection")
	}
	echoed(t, ctxT(t), c, &wamp.Published{Request: 1, Publication: 1}) // both still work
	// SendNow works on every connection of the loop: DialLoop's too.
	lc := dialLoop(t, url, websocket.Options{Serializers: all})
	if err := lc.SendNow(&wamp.Published{Request: 2, Publication: 2}); err != nil {
		t.Fatalf("SendNow on a DialLoop connection: %v", err)
	}
	received(t, ctxT(t), lc, &wamp.Published{Request: 2, Publication: 2})
}
