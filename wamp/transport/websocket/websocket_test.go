package websocket_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var all = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, ubjson.Serializer{}, flatbuffers.Serializer{}}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// server runs an httptest server whose handler hands every accepted Conn
// to serve (in the handler's goroutine) and reports Accept errors on errc.
type server struct {
	*httptest.Server
	errc chan error
	wg   sync.WaitGroup
}

func (s *server) url() string { return "ws" + strings.TrimPrefix(s.URL, "http") }

func startServer(t *testing.T, tlsOn bool, opts websocket.Options, serve func(*websocket.Conn)) *server {
	t.Helper()
	s := &server{errc: make(chan error, 16)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.wg.Add(1)
		defer s.wg.Done()
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			s.errc <- err
			return
		}
		defer c.Close()
		serve(c)
	})
	if tlsOn {
		s.Server = httptest.NewUnstartedServer(h)
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // the failing handshake of TestTLS
		s.StartTLS()
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(func() { s.Server.Close(); s.wg.Wait() })
	return s
}

// echo sends back every message until the connection ends.
func echo(c *websocket.Conn) {
	for {
		m, err := c.Recv(context.Background())
		if err != nil {
			return
		}
		if err := c.Send(context.Background(), m); err != nil {
			return
		}
	}
}

func dial(t *testing.T, url string, opts websocket.Options) *websocket.Conn {
	t.Helper()
	c, err := websocket.Dial(ctxT(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRoundTrip sends every message shape through an echo server for every
// serializer, plain and batched; the server fragments what it sends.
func TestRoundTrip(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all, Batched: true, WS: &ws.Options{AutoFragmentSize: 1000}}, echo)
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "com.bin", Args: wamp.List{bin, []byte{}, wamp.List{bin}}, Kwargs: wamp.Dict{"b": bin}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bytes.Repeat(bin, 5000)},
	)
	for _, s := range all {
		for _, batched := range []bool{false, true} {
			want := websocket.Subprotocol(s, batched)
			t.Run(want, func(t *testing.T) {
				c := dial(t, srv.url(), websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched})
				if c.Subprotocol() != want || c.Serializer().Name() != s.Name() || c.Batched() != batched {
					t.Fatalf("negotiated %q (%s, batched %v)", c.Subprotocol(), c.Serializer().Name(), c.Batched())
				}
				echoed(t, ctxT(t), c, msgs...)
			})
		}
	}
}

// rawServer accepts WebSockets with the given subprotocols and hands the
// raw ws.Conn to serve.
func rawServer(t *testing.T, protocols []string, serve func(*ws.Conn)) string {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		c, err := wshttp.Accept(w, r, &ws.Options{Subprotocols: protocols})
		if err != nil {
			return
		}
		defer c.Close(ws.StatusNormalClosure, "")
		serve(c)
	}))
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// TestBatchedFraming checks the wire format both ways: a client Send is a
// batch of one in the serializer's frame type, and a frame of many
// messages comes out of Recv one by one, in order.
func TestBatchedFraming(t *testing.T) {
	for _, s := range all {
		t.Run(s.Name(), func(t *testing.T) {
			msgs := []wamp.Message{
				&wamp.Published{Request: 1, Publication: 2},
				&wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{}, Args: wamp.List{[]byte{0, 0x18, 0xff}, "x\x18y"}},
				&wamp.Unsubscribed{Request: 5},
			}
			want := ws.OpText
			if s.Binary() {
				want = ws.OpBinary
			}
			got := make(chan error, 1)
			url := rawServer(t, []string{websocket.Subprotocol(s, true)}, func(c *ws.Conn) {
				op, p, err := c.ReadMessage(context.Background())
				if err == nil && op != want {
					err = fmt.Errorf("client sent %v, want %v", op, want)
				}
				if err == nil {
					var n int
					err = wamp.SplitBatched(s, p, func(m wamp.Message) error { n++; return vectors.MessagesEqual(msgs[0], m) })
					if err == nil && n != 1 {
						err = fmt.Errorf("batch of %d", n)
					}
				}
				got <- err
				var frame []byte
				for _, m := range msgs {
					frame, _ = wamp.AppendBatched(frame, s, m)
				}
				c.WriteMessage(context.Background(), want, frame)
				c.ReadMessage(context.Background()) // until the client closes
			})
			c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: true})
			ctx := ctxT(t)
			if err := c.Send(ctx, msgs[0]); err != nil {
				t.Fatal(err)
			}
			if err := <-got; err != nil {
				t.Fatal(err)
			}
			received(t, ctx, c, msgs...)
		})
	}
}

// TestBadFrames: what a peer may get wrong on the wire.
func TestBadFrames(t *testing.T) {
	tests := []struct {
		name    string
		ser     wamp.Serializer
		batched bool
		op      ws.Opcode
		payload []byte
		want    error
	}{
		{"binary frame for json", json.Serializer{}, false, ws.OpBinary, []byte(`[17,1,2]`), websocket.ErrFrameType},
		{"text frame for cbor", cbor.Serializer{}, false, ws.OpText, []byte{0x63, 0x61, 0x62, 0x63}, websocket.ErrFrameType},
		{"json garbage", json.Serializer{}, false, ws.OpText, []byte(`[17,1`), wamp.ErrProtocolViolation},
		{"unterminated json batch", json.Serializer{}, true, ws.OpText, []byte(`[17,1,2]`), wamp.ErrBatchFormat},
		{"short msgpack batch", msgpack.Serializer{}, true, ws.OpBinary, []byte{0, 0, 0, 9, 0x93}, wamp.ErrBatchFormat},
		{"empty batch", msgpack.Serializer{}, true, ws.OpBinary, []byte{}, wamp.ErrProtocolViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, []string{websocket.Subprotocol(tt.ser, tt.batched)}, func(c *ws.Conn) {
				c.WriteMessage(context.Background(), tt.op, tt.payload)
				c.ReadMessage(context.Background())
			})
			c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{tt.ser}, Batched: tt.batched})
			_, err := c.Recv(ctxT(t))
			if !errors.Is(err, tt.want) || !errors.Is(err, wamp.ErrProtocolViolation) {
				t.Fatalf("Recv: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNegotiation(t *testing.T) {
	tests := []struct {
		name   string
		server websocket.Options
		client websocket.Options
		want   string
	}{
		{"client order wins", websocket.Options{Serializers: all}, websocket.Options{Serializers: []wamp.Serializer{ubjson.Serializer{}, json.Serializer{}}}, "wamp.2.ubjson"},
		{"skip unsupported", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}, websocket.Options{Serializers: all}, "wamp.2.json"},
		{"batched both", websocket.Options{Serializers: all, Batched: true}, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true}, "wamp.2.cbor.batched"},
		{"batched client, plain server", websocket.Options{Serializers: all}, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true}, "wamp.2.cbor"},
		{"plain client, batching server", websocket.Options{Serializers: all, Batched: true}, websocket.Options{Serializers: []wamp.Serializer{msgpack.Serializer{}}}, "wamp.2.msgpack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, false, tt.server, echo)
			c := dial(t, srv.url(), tt.client)
			if c.Subprotocol() != tt.want {
				t.Fatalf("negotiated %q, want %q", c.Subprotocol(), tt.want)
			}
		})
	}
}

func TestSubprotocols(t *testing.T) {
	got := websocket.Subprotocols([]wamp.Serializer{cbor.Serializer{}, json.Serializer{}}, true)
	want := "wamp.2.cbor.batched wamp.2.cbor wamp.2.json.batched wamp.2.json"
	if strings.Join(got, " ") != want {
		t.Fatalf("Subprotocols = %q", got)
	}
	o := websocket.Options{Serializers: all}
	if p := o.Choose([]string{"wamp.2.json.batched", "wamp.2.foo", "wamp.2.msgpack", "wamp.2.json"}); p != "wamp.2.msgpack" {
		t.Fatalf("Choose = %q", p)
	}
	if p := o.Choose([]string{"wamp.2.json.batched", "mqtt"}); p != "" {
		t.Fatalf("Choose = %q", p)
	}
}

func TestNoCommonSubprotocol(t *testing.T) {
	t.Run("our server", func(t *testing.T) {
		srv := startServer(t, false, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}}, echo)
		_, err := websocket.Dial(ctxT(t), srv.url(), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}}})
		var he *ws.HandshakeError
		if !errors.As(err, &he) || he.Status != http.StatusBadRequest || !strings.Contains(err.Error(), "wamp.2.json, wamp.2.msgpack") {
			t.Fatalf("Dial: %v", err)
		}
		if err := <-srv.errc; !errors.Is(err, websocket.ErrNoSubprotocol) {
			t.Fatalf("Accept: %v", err)
		}
		// The refusal names what the server speaks.
		req, _ := http.NewRequest("GET", srv.URL, nil)
		for k, v := range map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
			"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "wamp.2.json"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "wamp.2.cbor") {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		<-srv.errc
	})
	t.Run("server that ignores subprotocols", func(t *testing.T) {
		url := rawServer(t, nil, func(c *ws.Conn) { c.ReadMessage(context.Background()) })
		_, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if !errors.Is(err, websocket.ErrNoSubprotocol) || !strings.Contains(err.Error(), "wamp.2.json") {
			t.Fatalf("Dial: %v", err)
		}
	})
	t.Run("not a websocket request", func(t *testing.T) {
		srv := startServer(t, false, websocket.Options{Serializers: all}, echo)
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 4 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if err := <-srv.errc; !errors.Is(err, ws.ErrHandshake) {
			t.Fatalf("Accept: %v", err)
		}
	})
	t.Run("no serializers", func(t *testing.T) {
		if _, err := websocket.Dial(ctxT(t), "ws://127.0.0.1:1/", websocket.Options{}); err == nil {
			t.Fatal("Dial without serializers")
		}
	})
}

func TestTLS(t *testing.T) {
	srv := startServer(t, true, websocket.Options{Serializers: all}, echo)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c := dial(t, "wss"+strings.TrimPrefix(srv.URL, "https"), websocket.Options{
		Serializers: []wamp.Serializer{msgpack.Serializer{}},
		WS:          &ws.Options{TLSConfig: &tls.Config{RootCAs: pool}},
	})
	if st, ok := c.ConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS state")
	}
	ctx := ctxT(t)
	echoed(t, ctx, c, &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.tls", Args: wamp.List{[]byte{0, 1}}})
	// Without the test CA the handshake fails.
	if _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https"), websocket.Options{Serializers: all}); err == nil {
		t.Fatal("TLS without trust")
	}
}

func TestMessageTooLarge(t *testing.T) {
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 2000)}}
	small := &wamp.Publish{Request: 2, Options: wamp.Dict{}, Topic: "t"}
	srv := startServer(t, false, websocket.Options{Serializers: all, WS: &ws.Options{MaxMessagePayload: 1000}}, echo)
	c := dial(t, srv.url(), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: &ws.Options{MaxMessagePayload: 1000}})
	ctx := ctxT(t)
	if err := c.Send(ctx, big); !errors.Is(err, websocket.ErrMessageTooLarge) {
		t.Fatalf("oversized send: %v", err)
	}
	// The connection is still usable.
	if err := c.Send(ctx, small); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Recv(ctx); err != nil || m.(*wamp.Publish).Request != 2 {
		t.Fatalf("after refused send: %v %v", m, err)
	}
	// A peer that ignores the limit is stopped on receive.
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		b, _ := json.Serializer{}.AppendMessage(nil, big)
		c.WriteMessage(context.Background(), ws.OpText, b)
		c.ReadMessage(context.Background())
	})
	c2 := dial(t, url, websocket.Options{Serializers: all, WS: &ws.Options{MaxMessagePayload: 1000}})
	_, err := c2.Recv(ctx)
	if !errors.Is(err, websocket.ErrMessageTooLarge) || !errors.Is(err, ws.ErrMessageTooBig) {
		t.Fatalf("oversized recv: %v", err)
	}
}

// TestInvalidUTF8: a JSON message with a string that is not UTF-8 cannot
// travel in a text frame; Send refuses it and the connection stays usable.
func TestInvalidUTF8(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all}, echo)
	c := dial(t, srv.url(), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	ctx := ctxT(t)
	// The JSON serializer refuses the string (before it, the WebSocket
	// layer refused the text frame): nothing is sent either way.
	if err := c.Send(ctx, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{"\xff"}}); !errors.Is(err, json.ErrUnsupportedType) {
		t.Fatalf("Send: %v", err)
	}
	echoed(t, ctx, c, &wamp.Publish{Request: 2, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{[]byte{0xff}}})
}

func TestContextCancel(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all}, func(c *websocket.Conn) {
		for { // never answers
			if _, err := c.Recv(context.Background()); err != nil {
				return
			}
		}
	})
	c := dial(t, srv.url(), websocket.Options{Serializers: all})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Send(canceled, &wamp.Published{Request: 1, Publication: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send: %v", err)
	}
	if _, err := c.Recv(canceled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv: %v", err)
	}
	// Neither touched the connection.
	if err := c.Send(ctxT(t), &wamp.Published{Request: 1, Publication: 1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if _, err := c.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv: %v", err)
	}
}

func TestClose(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all}, echo)
	checkClose(t, dial(t, srv.url(), websocket.Options{Serializers: all}))
}

// checkClose closes c while a Recv waits and checks that Close may be
// repeated and that the waiting Recv, later Recvs and Sends get ErrClosed.
func checkClose(t *testing.T, c *websocket.Conn) {
	t.Helper()
	recvErr := make(chan error, 1)
	go func() {
		_, err := c.Recv(context.Background())
		recvErr <- err
	}()
	waitBlockedIn(t, "websocket.(*Conn).Recv")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := <-recvErr; !errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("blocked Recv: %v", err)
	}
	if _, err := c.Recv(context.Background()); !errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
	if err := c.Send(context.Background(), &wamp.Published{Request: 1, Publication: 1}); !errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}

// waitBlockedIn waits until a goroutine is blocked (waiting for I/O, a
// channel, a lock or a condition) with fn on its stack.
func waitBlockedIn(t *testing.T, fn string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			blocked := strings.Contains(head, "[IO wait") || strings.Contains(head, "[select") ||
				strings.Contains(head, "[chan receive") || strings.Contains(head, "[sync.Cond.Wait") ||
				strings.Contains(head, "[sync.Mutex.Lock") || strings.Contains(head, "[semacquire")
			if blocked && strings.Contains(g, fn) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine blocked in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPeerClose(t *testing.T) {
	url := rawServer(t, []string{"wamp.2.cbor"}, func(c *ws.Conn) {
		c.Close(ws.StatusGoingAway, "bye")
	})
	c := dial(t, url, websocket.Options{Serializers: all})
	_, err := c.Recv(ctxT(t))
	var ce *ws.CloseError
	if !errors.Is(err, io.EOF) || !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || ce.Reason != "bye" {
		t.Fatalf("Recv: %v", err)
	}
}

// TestNewOnUpgradeConn serves WAMP on a raw TCP listener: ws.UpgradeConn
// with the subprotocols from Subprotocols, then New.
func TestNewOnUpgradeConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opts := websocket.Options{Serializers: all, Batched: true}
	done := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer nc.Close()
		wc, err := ws.UpgradeConn(context.Background(), nc, ws.BaseHandler{}, &ws.Options{Subprotocols: opts.Subprotocols()})
		if err != nil {
			done <- err
			return
		}
		c, err := websocket.New(wc, opts)
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		echo(c)
		done <- nil
	}()
	c := dial(t, "ws://"+ln.Addr().String()+"/", websocket.Options{Serializers: []wamp.Serializer{ubjson.Serializer{}}, Batched: true})
	if c.Subprotocol() != "wamp.2.ubjson.batched" {
		t.Fatalf("negotiated %q", c.Subprotocol())
	}
	ctx := ctxT(t)
	echoed(t, ctx, c, &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{[]byte{1, 2, 3}}})
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentSend: many goroutines share one Conn.
func TestConcurrentSend(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all, Batched: true}, echo)
	c := dial(t, srv.url(), websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true})
	concurrentSend(t, c, 8, 50)
}

// concurrentSend sends each messages from each of senders goroutines
// through c to an echo server and checks that every one comes back, each
// sender's in the order sent.
func concurrentSend(t *testing.T, c *websocket.Conn, senders, each int) {
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := wamp.ID(g*each + i + 1)
				if err := c.Send(ctx, &wamp.Published{Request: id, Publication: id}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id := int(m.(*wamp.Published).Request) - 1
		g, i := id/each, id%each
		if i != next[g] {
			t.Fatalf("sender %d: message %d arrived, want %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
}

// BenchmarkRoundTrip: one CALL to an echo server and back, client and
// server in this process (allocations count both ends and the decoding).
func BenchmarkRoundTrip(b *testing.B) {
	for _, s := range all {
		for _, batched := range []bool{false, true} {
			b.Run(websocket.Subprotocol(s, batched), func(b *testing.B) {
				var wg sync.WaitGroup
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					wg.Add(1)
					defer wg.Done()
					c, err := websocket.Accept(w, r, websocket.Options{Serializers: all, Batched: true})
					if err != nil {
						return
					}
					defer c.Close()
					echo(c)
				}))
				defer func() { srv.Close(); wg.Wait() }()
				ctx := context.Background()
				c, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched})
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
}

// received receives one message per want from c and checks each.
func received(t *testing.T, ctx context.Context, c *websocket.Conn, want ...wamp.Message) {
	t.Helper()
	for _, m := range want {
		got, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("recv %v: %v", m.Type(), err)
		}
		if err := vectors.MessagesEqual(m, got); err != nil {
			t.Fatalf("%v: %v", m.Type(), err)
		}
	}
}

// echoed sends msgs through c to an echo server and checks that they come
// back, in order.
func echoed(t *testing.T, ctx context.Context, c *websocket.Conn, msgs ...wamp.Message) {
	t.Helper()
	for _, m := range msgs {
		if err := c.Send(ctx, m); err != nil {
			t.Fatalf("send %v: %v", m.Type(), err)
		}
	}
	received(t, ctx, c, msgs...)
}
