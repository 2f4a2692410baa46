package websocket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// startLoopServer serves LoopHandler(opts, serve) on a wsloop.Server with
// opts.WS and returns its ws:// URL. When the test ends the server shuts
// down and every serve has returned (LoopServer.Wait).
func startLoopServer(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string {
	t.Helper()
	h := websocket.LoopHandler(opts, serve)
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: opts.WS, Config: eventloop.Config{Loops: 2}})
	t.Cleanup(func() { // runs first: shut down, then wait for every serve
		if err := stop(); err != nil {
			t.Errorf("wsloop.Server: %v", err)
		}
		if err := h.Wait(ctxT(t)); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	return "ws://" + addr.String() + "/ws"
}

// TestLoopServerWait: after Shutdown, Wait returns once every serve has
// returned, and not before; with a serve that does not return, Wait ends
// with its ctx.
func TestLoopServerWait(t *testing.T) {
	opts := websocket.Options{Serializers: all}
	var running atomic.Int64
	hold := make(chan struct{})
	h := websocket.LoopHandler(opts, func(c *websocket.Conn) {
		running.Add(1)
		defer running.Add(-1)
		for {
			if _, err := c.Recv(context.Background()); err != nil {
				break
			}
		}
		<-hold // returns only when the test says so
	})
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: opts.WS, Config: eventloop.Config{Loops: 1}})
	if err := h.Wait(ctxT(t)); err != nil {
		t.Fatalf("Wait with no session: %v", err)
	}
	const n = 3
	for range n {
		c := dial(t, "ws://"+addr.String()+"/ws", opts)
		if err := c.Send(ctxT(t), &wamp.Hello{Realm: "r", Details: wamp.Dict{}}); err != nil {
			t.Fatal(err)
		}
	}
	for running.Load() != n {
		time.Sleep(time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with %d sessions still running: %v", running.Load(), err)
	}
	close(hold)
	if err := h.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if r := running.Load(); r != 0 {
		t.Fatalf("Wait returned with %d serve calls running", r)
	}
}

// loopClient returns a wsloop.Client offering opts' subprotocols, closed
// when the test ends.
func loopClient(t *testing.T, opts websocket.Options) *wsloop.Client {
	cl := &wsloop.Client{Options: opts.WSOptions(), Config: eventloop.Config{Loops: 1}}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func dialLoop(t *testing.T, url string, opts websocket.Options) *websocket.Conn {
	t.Helper()
	c, err := websocket.DialLoop(ctxT(t), loopClient(t, opts), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// drivers are the pairings of server and client drivers that involve the
// event loop (goroutines on both sides: TestRoundTrip).
var drivers = []struct {
	name   string
	server func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string
	dial   func(t *testing.T, url string, opts websocket.Options) *websocket.Conn
}{
	{"loop-server/goroutine-client", startLoopServer, dial},
	{"goroutine-server/loop-client", func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string {
		return startServer(t, false, opts, serve).url()
	}, dialLoop},
	{"loop-server/loop-client", startLoopServer, dialLoop},
}

// TestLoopRoundTrip sends every message shape, with binary payloads small
// and large, through an echo server for every serializer, plain and
// batched, with the event loop on either side or both.
func TestLoopRoundTrip(t *testing.T) {
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "com.bin", Args: wamp.List{bin, []byte{}, wamp.List{bin}}, Kwargs: wamp.Dict{"b": bin}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bytes.Repeat(bin, 20000)},
	)
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			url := d.server(t, websocket.Options{Serializers: all, Batched: true, WS: &ws.Options{AutoFragmentSize: 1000}}, echo)
			for _, s := range all {
				for _, batched := range []bool{false, true} {
					want := websocket.Subprotocol(s, batched)
					t.Run(want, func(t *testing.T) {
						c := d.dial(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched})
						if c.Subprotocol() != want || c.Serializer().Name() != s.Name() || c.Batched() != batched {
							t.Fatalf("negotiated %q (%s, batched %v)", c.Subprotocol(), c.Serializer().Name(), c.Batched())
						}
						ctx := ctxT(t)
						for range 3 {
							echoed(t, ctx, c, msgs...)
						}
					})
				}
			}
		})
	}
}

// TestLoopNegotiation: the loop server takes the client's most preferred
// subprotocol it speaks and refuses a client offering none with 400.
func TestLoopNegotiation(t *testing.T) {
	url := startLoopServer(t, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}, Batched: true}, echo)
	c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{msgpack.Serializer{}, cbor.Serializer{}, json.Serializer{}}})
	if c.Subprotocol() != "wamp.2.cbor" {
		t.Fatalf("negotiated %q", c.Subprotocol())
	}
	_, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{msgpack.Serializer{}}})
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
		t.Fatalf("Dial: %v", err)
	}
	// The refusal names what the server speaks.
	req, _ := http.NewRequest("GET", "http"+strings.TrimPrefix(url, "ws"), nil)
	for k, v := range map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "wamp.2.ubjson"} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "wamp.2.json.batched, wamp.2.json, wamp.2.cbor.batched, wamp.2.cbor") {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func TestDialLoopNoSubprotocol(t *testing.T) {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	t.Run("client offers none", func(t *testing.T) {
		cl := &wsloop.Client{}
		defer cl.Close()
		if _, err := websocket.DialLoop(ctxT(t), cl, "ws://127.0.0.1:1/", opts); !errors.Is(err, websocket.ErrNoSubprotocol) {
			t.Fatalf("DialLoop: %v", err)
		}
	})
	t.Run("server chooses none", func(t *testing.T) {
		url := rawServer(t, nil, func(c *ws.Conn) { c.ReadMessage(context.Background()) })
		_, err := websocket.DialLoop(ctxT(t), loopClient(t, opts), url, opts)
		if !errors.Is(err, websocket.ErrNoSubprotocol) || !strings.Contains(err.Error(), "wamp.2.json") {
			t.Fatalf("DialLoop: %v", err)
		}
	})
	t.Run("no serializers", func(t *testing.T) {
		if _, err := websocket.DialLoop(ctxT(t), loopClient(t, opts), "ws://127.0.0.1:1/", websocket.Options{}); err == nil {
			t.Fatal("DialLoop without serializers")
		}
	})
}

// TestLoopPeerClose: a peer sends a batched frame, a plain one and its
// close at once; Recv on the loop returns the messages received before
// the close, in order, then the peer's close.
func TestLoopPeerClose(t *testing.T) {
	for _, s := range all {
		t.Run(s.Name(), func(t *testing.T) {
			msgs := []wamp.Message{
				&wamp.Published{Request: 1, Publication: 2},
				&wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{}, Args: wamp.List{[]byte{0, 0x18, 0xff}, "x\x18y"}},
				&wamp.Unsubscribed{Request: 5},
				&wamp.Goodbye{Details: wamp.Dict{}, Reason: "wamp.close.normal"},
			}
			op := ws.OpText
			if s.Binary() {
				op = ws.OpBinary
			}
			url := rawServer(t, []string{websocket.Subprotocol(s, true)}, func(c *ws.Conn) {
				var frame []byte
				for _, m := range msgs[:3] {
					frame, _ = wamp.AppendBatched(frame, s, m)
				}
				c.WriteMessage(context.Background(), op, frame)
				last, _ := wamp.AppendBatched(nil, s, msgs[3])
				c.WriteMessage(context.Background(), op, last)
				c.Close(ws.StatusGoingAway, "bye")
			})
			c := dialLoop(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: true})
			ctx := ctxT(t)
			received(t, ctx, c, msgs...)
			_, err := c.Recv(ctx)
			var ce *ws.CloseError
			if !errors.Is(err, io.EOF) || !errors.Is(err, ws.ErrClosed) || !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || ce.Reason != "bye" {
				t.Fatalf("Recv: %v", err)
			}
		})
	}
	t.Run("client closes loop server", func(t *testing.T) {
		got := make(chan error, 1)
		url := startLoopServer(t, websocket.Options{Serializers: all}, func(c *websocket.Conn) {
			_, err := c.Recv(context.Background())
			got <- err
		})
		wc, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}})
		if err != nil {
			t.Fatal(err)
		}
		wc.Close(ws.StatusGoingAway, "bye")
		err = <-got
		var ce *ws.CloseError
		if !errors.Is(err, io.EOF) || !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || ce.Reason != "bye" || !ce.WasClean {
			t.Fatalf("Recv: %v", err)
		}
	})
}

func TestLoopClose(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			url := d.server(t, websocket.Options{Serializers: all}, echo)
			checkClose(t, d.dial(t, url, websocket.Options{Serializers: all}))
		})
	}
	t.Run("serve returns", func(t *testing.T) {
		// LoopHandler closes the Conn when serve returns.
		url := startLoopServer(t, websocket.Options{Serializers: all}, func(*websocket.Conn) {})
		c := dial(t, url, websocket.Options{Serializers: all})
		_, err := c.Recv(ctxT(t))
		var ce *ws.CloseError
		if !errors.Is(err, io.EOF) || !errors.As(err, &ce) || ce.Code != ws.StatusNormalClosure {
			t.Fatalf("Recv: %v", err)
		}
	})
}

// TestLoopContextCancel: on the loop a Recv whose ctx ends leaves the
// connection usable.
func TestLoopContextCancel(t *testing.T) {
	for _, d := range drivers[1:] {
		t.Run(d.name, func(t *testing.T) {
			url := d.server(t, websocket.Options{Serializers: all}, echo)
			c := d.dial(t, url, websocket.Options{Serializers: all})
			canceled, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := c.Recv(canceled); !errors.Is(err, context.Canceled) {
				t.Fatalf("Recv: %v", err)
			}
			ctx, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel2()
			if _, err := c.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Recv: %v", err)
			}
			echoed(t, ctxT(t), c, &wamp.Published{Request: 7, Publication: 8})
		})
	}
}

// flood sends JSON messages of about the given sizes in bytes, ignoring
// write errors (the receiver closes midway), then reads until the end.
func flood(c *ws.Conn, sizes ...int) error {
	// In one write, so that the loop reads them at once.
	msgs := make([][]byte, len(sizes))
	for i, size := range sizes {
		msgs[i], _ = json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", size)}})
	}
	_ = c.WriteMessages(context.Background(), ws.OpText, msgs)
	for {
		if _, _, err := c.ReadMessage(context.Background()); err != nil {
			return err
		}
	}
}

// TestLoopInboxFull: a message that goes past the inbox's bound while Recv
// is not called (one larger than the rest of InboxBytes, read at once with
// the message before it) has its connection closed with 1008, and Recv
// then returns ErrInboxFull (the queued messages are dropped). (Smaller
// messages are held back instead: TestLoopInboxHoldsRead,
// TestLoopInboxPushesBack.)
func TestLoopInboxFull(t *testing.T) {
	opts := websocket.Options{Serializers: all, InboxBytes: 1000}
	const bound = "1 messages"
	t.Run("loop server", func(t *testing.T) {
		release := make(chan struct{})
		got := make(chan error, 1)
		url := startLoopServer(t, opts, func(c *websocket.Conn) {
			<-release // a session too busy to Recv
			_, err := c.Recv(context.Background())
			got <- err
		})
		wc, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}})
		if err != nil {
			t.Fatal(err)
		}
		err = flood(wc, 100, 900)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusPolicyViolation {
			t.Fatalf("flooding peer: %v", err)
		}
		close(release)
		err = <-got
		if !errors.Is(err, websocket.ErrInboxFull) || !strings.Contains(err.Error(), bound) {
			t.Fatalf("Recv: %v", err)
		}
	})
	t.Run("loop client", func(t *testing.T) {
		flooded := make(chan error, 1)
		url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) { flooded <- flood(c, 100, 900) })
		c := dialLoop(t, url, opts)
		var ce *ws.CloseError
		if err := <-flooded; !errors.As(err, &ce) || ce.Code != ws.StatusPolicyViolation {
			t.Fatalf("flooding peer: %v", err)
		}
		if _, err := c.Recv(ctxT(t)); !errors.Is(err, websocket.ErrInboxFull) {
			t.Fatalf("Recv: %v", err)
		}
	})
	t.Run("no limit", func(t *testing.T) {
		flooded := make(chan error, 1)
		url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
			b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
			for range 10000 {
				c.WriteMessage(context.Background(), ws.OpText, b)
			}
			flooded <- nil
			c.ReadMessage(context.Background())
		})
		c := dialLoop(t, url, websocket.Options{Serializers: all, InboxMessages: -1, InboxBytes: -1})
		<-flooded
		for i := range 10000 {
			if _, err := c.Recv(ctxT(t)); err != nil {
				t.Fatalf("Recv %d: %v", i, err)
			}
		}
	})
}

// TestLoopInboxHoldsRead: small messages read at once, far more than
// InboxMessages, while Recv is not called: the inbox pauses reading, the
// rest of the read waits in ws, and every message comes to Recv, in order.
// (They used to be queued all the same, past the bound: 1008.)
func TestLoopInboxHoldsRead(t *testing.T) {
	opts := websocket.Options{Serializers: all, InboxMessages: 10}
	sizes := make([]int, 100)
	for i := range sizes {
		sizes[i] = 10
	}
	recvAll := func(c *websocket.Conn) error {
		for i := range sizes {
			m, err := c.Recv(ctxT(t))
			if err != nil {
				return fmt.Errorf("Recv %d: %w", i, err)
			}
			if p, ok := m.(*wamp.Publish); !ok || p.Request != wamp.ID(i+1) {
				return fmt.Errorf("message %d: %v", i, m)
			}
		}
		return nil
	}
	t.Run("loop server", func(t *testing.T) {
		release := make(chan struct{})
		got := make(chan error, 1)
		url := startLoopServer(t, opts, func(c *websocket.Conn) {
			<-release // a session too busy to Recv
			got <- recvAll(c)
		})
		wc, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}})
		if err != nil {
			t.Fatal(err)
		}
		defer wc.CloseNow()
		go flood(wc, sizes...)
		close(release)
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("loop client", func(t *testing.T) {
		url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) { flood(c, sizes...) })
		c := dialLoop(t, url, opts)
		if err := recvAll(c); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoopMessageTooLarge(t *testing.T) {
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 2000)}}
	small := &wamp.Publish{Request: 2, Options: wamp.Dict{}, Topic: "t"}
	limit := &ws.Options{MaxMessagePayload: 1000}
	t.Run("loop server", func(t *testing.T) {
		got := make(chan error, 1)
		url := startLoopServer(t, websocket.Options{Serializers: all, WS: limit}, func(c *websocket.Conn) {
			_, err := c.Recv(context.Background())
			got <- err
		})
		c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err := c.Send(ctxT(t), big); err != nil {
			t.Fatal(err)
		}
		if err := <-got; !errors.Is(err, websocket.ErrMessageTooLarge) || !errors.Is(err, ws.ErrMessageTooBig) {
			t.Fatalf("server Recv: %v", err)
		}
		var ce *ws.CloseError
		if _, err := c.Recv(ctxT(t)); !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig {
			t.Fatalf("client Recv: %v", err)
		}
	})
	t.Run("loop client", func(t *testing.T) {
		url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
			c.ReadMessage(context.Background()) // small
			b, _ := json.Serializer{}.AppendMessage(nil, big)
			c.WriteMessage(context.Background(), ws.OpText, b)
			c.ReadMessage(context.Background())
		})
		c := dialLoop(t, url, websocket.Options{Serializers: all, WS: limit})
		if err := c.Send(ctxT(t), big); !errors.Is(err, websocket.ErrMessageTooLarge) {
			t.Fatalf("oversized send: %v", err)
		}
		if err := c.Send(ctxT(t), small); err != nil {
			t.Fatal(err)
		}
		_, err := c.Recv(ctxT(t))
		if !errors.Is(err, websocket.ErrMessageTooLarge) || !errors.Is(err, ws.ErrMessageTooBig) {
			t.Fatalf("oversized recv: %v", err)
		}
	})
}

// TestLoopBadFrames: decoding errors surface in Recv as on goroutines.
func TestLoopBadFrames(t *testing.T) {
	url := rawServer(t, []string{"wamp.2.cbor.batched"}, func(c *ws.Conn) {
		c.WriteMessage(context.Background(), ws.OpText, []byte("abc"))
		c.ReadMessage(context.Background())
	})
	c := dialLoop(t, url, websocket.Options{Serializers: all, Batched: true})
	if _, err := c.Recv(ctxT(t)); !errors.Is(err, websocket.ErrFrameType) || !errors.Is(err, wamp.ErrProtocolViolation) {
		t.Fatalf("Recv: %v", err)
	}
}

// TestLoopConcurrentSend: many goroutines share one loop Conn.
func TestLoopConcurrentSend(t *testing.T) {
	url := startLoopServer(t, websocket.Options{Serializers: all, Batched: true}, echo)
	c := dialLoop(t, url, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true})
	concurrentSend(t, c, 8, 200)
}

// BenchmarkLoopRoundTrip: BenchmarkRoundTrip with the loop on both sides.
func BenchmarkLoopRoundTrip(b *testing.B) {
	for _, s := range []wamp.Serializer{json.Serializer{}, cbor.Serializer{}} {
		b.Run(s.Name(), func(b *testing.B) {
			opts := websocket.Options{Serializers: []wamp.Serializer{s}}
			addr, stop := wsconf.StartLoop(b, &wsloop.Server{Handler: websocket.LoopHandler(opts, echo), Config: eventloop.Config{Loops: 1}})
			defer stop()
			cl := &wsloop.Client{Options: opts.WSOptions(), Config: eventloop.Config{Loops: 1}}
			defer cl.Close()
			ctx := context.Background()
			c, err := websocket.DialLoop(ctx, cl, "ws://"+addr.String()+"/", opts)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.bench.echo", Args: wamp.List{int64(1), "hello"}}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
				if _, err := c.Recv(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLoopInboxPushesBack: a peer that sends far more than the inbox
// holds while the session does not Recv is held back by TCP (the loop
// stops reading the connection), not disconnected: once Recv runs, every
// message arrives, in order. (The inbox used to close such a connection
// with 1008 once it held 16 MiB.)
func TestLoopInboxPushesBack(t *testing.T) {
	const n, size = 40000, 1 << 10 // 40 MiB: past the inbox and the kernel's buffers
	release := make(chan struct{})
	got := make(chan error, 1)
	url := startLoopServer(t, websocket.Options{Serializers: all}, func(c *websocket.Conn) {
		<-release
		for i := range n {
			m, err := c.Recv(context.Background())
			if err != nil {
				got <- fmt.Errorf("Recv %d: %w", i, err)
				return
			}
			if r, ok := m.(*wamp.Result); !ok || r.Request != wamp.ID(i+1) {
				got <- fmt.Errorf("message %d: %v", i, m)
				return
			}
		}
		got <- nil
	})
	// No keepalive: the peer reads nothing, so it never sees the answer
	// to its ping, and it dropped the connection (1006) at 45 s (30 s +
	// 15 s) when a loaded machine (-race, load 19 on 2 cores) took longer
	// for the 40 MiB.
	wc, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer wc.CloseNow()
	sent, flooded := floodResults(wc, n, size)
	waitHeldBack(t, sent, flooded)
	t.Logf("held back after %d messages", sent.Load())
	close(release)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if err := <-flooded; err != nil {
		t.Fatal(err)
	}
}

// floodResults sends n RESULTs of about size octets from peer on a
// goroutine, counting them in sent, and reports the end on the channel.
func floodResults(peer *ws.Conn, n, size int) (*atomic.Int64, <-chan error) {
	sent := new(atomic.Int64)
	flooded := make(chan error, 1)
	go func() {
		pad := strings.Repeat("x", size)
		for i := range n {
			b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Result{Request: wamp.ID(i + 1), Details: wamp.Dict{}, Args: wamp.List{pad}})
			if err := peer.WriteMessage(context.Background(), ws.OpText, b); err != nil {
				flooded <- fmt.Errorf("after %d messages: %w", i, err)
				return
			}
			sent.Add(1)
		}
		flooded <- nil
	}()
	return sent, flooded
}

// waitHeldBack waits until a flooding peer is held back: what it sent
// stops growing, short of the end.
func waitHeldBack(t *testing.T, sent *atomic.Int64, flooded <-chan error) {
	t.Helper()
	for last, deadline := int64(-1), time.Now().Add(30*time.Second); ; {
		select {
		case err := <-flooded:
			t.Fatalf("the peer was never held back: %v (%d sent)", err, sent.Load())
		case <-time.After(200 * time.Millisecond):
		}
		if s := sent.Load(); s == last && s > 0 {
			return
		} else {
			last = s
		}
		if time.Now().After(deadline) {
			t.Fatal("the peer kept sending")
		}
	}
}
