package router_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// serveLoop serves r on a wsloop.Server (LoopHandler) and returns its
// ws:// URL; the server shuts down when the test ends, before the router
// closes.
func serveLoop(t testing.TB, r *router.Router, cfg eventloop.Config) string {
	t.Helper()
	opts := websocket.Options{Serializers: serializers, WS: &ws.Options{}}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS, Config: cfg})
	return "ws://" + addr.String() + "/ws"
}

// dialRaw opens a WAMP WebSocket to url without a client session: nothing
// reads it unless the test calls Recv. readBuffer > 0 shrinks the socket's
// receive buffer, so that a client that stops reading pushes back soon.
func dialRaw(t *testing.T, url string, ser wamp.Serializer, readBuffer int) *websocket.Conn {
	t.Helper()
	wo := &ws.Options{}
	if readBuffer > 0 {
		wo.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			nc, err := d.DialContext(ctx, network, addr)
			if err == nil {
				err = nc.(*net.TCPConn).SetReadBuffer(readBuffer)
			}
			return nc, err
		}
	}
	c, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{ser}, WS: wo})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawJoin joins realm1 over tr by hand and returns the session ID.
func rawJoin(t *testing.T, tr wamp.Transport) wamp.ID {
	t.Helper()
	ctx := ctxT(t)
	if err := tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails}); err != nil {
		t.Fatal(err)
	}
	m, err := tr.Recv(ctx)
	w, ok := m.(*wamp.Welcome)
	if !ok {
		t.Fatalf("join: %v %v", m, err)
	}
	return w.Session
}

// rawRequest sends m and returns the answer.
func rawRequest(t *testing.T, tr wamp.Transport, m wamp.Message) wamp.Message {
	t.Helper()
	ctx := ctxT(t)
	if err := tr.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	a, err := tr.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Calls and events between sessions on the loop, and between them and a
// session on goroutines (the in-process pipe), in every serialization.
func TestLoopRouting(t *testing.T) {
	r := newRouter(t, nil)
	url := serveLoop(t, r, eventloop.Config{Loops: 2})
	callee := joinWebSocket(t, url, json.Serializer{})
	register(t, callee, "loop.echo", echo, nil)
	sub := joinWebSocket(t, url, cbor.Serializer{})
	_, events := subscribe(t, sub, "loop.topic", nil)
	pipeSub := join(t, r)
	_, pipeEvents := subscribe(t, pipeSub, "loop.topic", nil)
	callers := map[string]*client.Session{
		"loop msgpack": joinWebSocket(t, url, msgpack.Serializer{}),
		"loop json":    joinWebSocket(t, url, json.Serializer{}),
		"pipe":         join(t, r),
	}
	for name, s := range callers {
		for i := range 20 {
			res, err := s.Call(ctxT(t), "loop.echo", wamp.List{name, int64(i)}, nil, nil)
			if err != nil || res.Args[0] != name {
				t.Fatalf("%s: %v %v", name, res, err)
			}
			publish(t, s, "loop.topic", wamp.List{name, int64(i)}, nil)
			for _, ch := range []chan *wamp.Event{events, pipeEvents} {
				e := next(t, ch)
				if k, _ := wamp.AsInt64(e.Args[1]); e.Args[0] != name || k != int64(i) {
					t.Fatalf("%s: event %v, want %d", name, e.Args, i)
				}
			}
		}
	}
	if n := r.SessionCount(realm1); n != 6 {
		t.Fatalf("%d sessions, want 6", n)
	}
	callee.Close()
	waitFor(t, "the callee to leave", func() bool { return r.SessionCount(realm1) == 5 })
	if _, err := callers["pipe"].Call(ctxT(t), "loop.echo", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("after the callee left: %v", err)
	}
}

// A subscriber and a callee on the loop that stop reading, under the
// router's limits (smaller than the loop's bound) and under the loop's
// bound (smaller than the router's limits): the sessions sharing their
// loop go on; invocations go to the other callee or come back as
// no_available_callee; every call gets exactly one answer; the slow
// subscriber is closed with the reason logged.
func TestLoopSlowConsumers(t *testing.T) {
	for _, tc := range []struct {
		name string
		soft int // router.Config.QueueSoftLimit
		high int // eventloop.Config.WriteHighWatermark
	}{
		{"router limits", 32 << 10, 128 << 10},
		{"loop bound", 1 << 20, 32 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			r := newRouter(t, func(c *router.Config) {
				c.QueueSoftLimit = tc.soft
				c.CloseTimeout = 200 * time.Millisecond
				c.Logger = logs.logger()
			})
			// A small read buffer: the replies to what one read brings in
			// are flushed together, and must stay under the caller's limit.
			url := serveLoop(t, r, eventloop.Config{Loops: 1, WriteHighWatermark: tc.high, ReadBufferSize: 4096})

			// The slow ones: raw connections that join, then read nothing.
			slowSub := dialRaw(t, url, json.Serializer{}, 4096)
			slowSubID := rawJoin(t, slowSub)
			if m := rawRequest(t, slowSub, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "news"}); m.Type() != wamp.TypeSubscribed {
				t.Fatalf("subscribe: %v", m)
			}
			slowCallee := dialRaw(t, url, json.Serializer{}, 4096)
			slowCalleeID := rawJoin(t, slowCallee)
			for i, proc := range []wamp.URI{"work", "slow.only"} {
				opts := wamp.Dict{}
				if proc == "work" {
					opts["invoke"] = router.InvokeRoundRobin
				}
				if m := rawRequest(t, slowCallee, &wamp.Register{Request: wamp.ID(i + 1), Options: opts, Procedure: proc}); m.Type() != wamp.TypeRegistered {
					t.Fatalf("register: %v", m)
				}
			}
			// The good ones, on the same loop.
			fast := joinWebSocket(t, url, msgpack.Serializer{})
			register(t, fast, "work", echo, &client.RegisterOptions{Invoke: router.InvokeRoundRobin})
			register(t, fast, "fast.only", echo, nil)
			good := joinWebSocket(t, url, cbor.Serializer{})
			_, goodCh := subscribe(t, good, "news", nil)
			pub := joinWebSocket(t, url, json.Serializer{})

			// Events until the slow subscriber is closed; the good
			// subscriber gets every one meanwhile.
			big := wamp.List{strings.Repeat("n", 8000)}
			var worst time.Duration
			n := 0
			for ; ; n++ {
				if _, ok := r.Session(realm1, slowSubID); !ok {
					break
				}
				if n > 20000 {
					t.Fatal("the slow subscriber was never closed")
				}
				start := time.Now()
				publish(t, pub, "news", big, nil)
				next(t, goodCh)
				worst = max(worst, time.Since(start))
			}
			waitFor(t, "the log line", func() bool {
				return strings.Contains(logs.String(), "reason="+string(router.ReasonQueueOverflow))
			})
			t.Logf("slow subscriber closed after %d events of 8 kB; slowest publish+event round trip %v", n, worst)

			// Calls, enough to fill the slow callee's socket buffers (the
			// kernel takes up to 4 MB) and then its output past the limit.
			c := newRawCaller(t, dialRaw(t, url, msgpack.Serializer{}, 0))
			arg := wamp.List{strings.Repeat("x", 16<<10)}
			const calls = 300
			var maxQueued atomic.Int64
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				for range calls {
					if c.call("work", arg) != nil || c.call("slow.only", arg) != nil {
						t.Error("send failed")
						return
					}
					if info, ok := r.Session(realm1, slowCalleeID); ok && int64(info.Queued) > maxQueued.Load() {
						maxQueued.Store(int64(info.Queued))
					}
				}
			}()
			read := make(chan struct{})
			go func() {
				defer close(read)
				for answered := 0; answered < 2*calls && c.read(); answered++ {
				}
			}()
			<-sent
			waitFor(t, "a call refused for the slow callee", func() bool {
				return c.byProcCount("slow.only "+string(wamp.ErrNoAvailableCallee)) > 0
			})
			if _, ok := r.Session(realm1, slowCalleeID); !ok {
				t.Fatal("the slow callee was closed")
			}
			// Other sessions on the loop still work.
			if res, err := pub.Call(ctxT(t), "fast.only", wamp.List{"still"}, nil, nil); err != nil || res.Args[0] != "still" {
				t.Fatalf("call during the overload: %v %v", res, err)
			}
			// The slow callee leaves: its queued invocations end as canceled.
			slowCallee.WS().CloseNow()
			<-read
			t.Logf("answers %v; slow callee's output at most %d octets", c.byProcSnapshot(), maxQueued.Load())
			if limit := min(tc.soft, 2*tc.high) + 1024; maxQueued.Load() > int64(limit) {
				t.Errorf("slow callee's output grew to %d octets, limit %d", maxQueued.Load(), limit)
			}
			got := c.byProcSnapshot()
			if got["work "+string(wamp.ErrNoAvailableCallee)] != 0 {
				t.Errorf("a call of the shared procedure found no callee: %v", got)
			}
			if got["slow.only "+string(wamp.ErrNoAvailableCallee)] == 0 || got["work "] == 0 {
				t.Errorf("answers %v: want results and no_available_callee", got)
			}
			total := 0
			for _, k := range got {
				total += k
			}
			if total != 2*calls || c.outstanding() != 0 {
				t.Errorf("%d answers to %d calls, %d outstanding", total, 2*calls, c.outstanding())
			}
		})
	}
}

func (c *rawCaller) byProcCount(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byProc[k]
}

func (c *rawCaller) byProcSnapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.byProc))
	for k, v := range c.byProc {
		out[k] = v
	}
	return out
}

// Sessions on the loop cost no goroutine: from 10 to 300 idle sessions the
// process's goroutine count stays flat (the clients are raw connections
// that cost none either).
func TestLoopIdleGoroutines(t *testing.T) {
	r := newRouter(t, nil)
	url := serveLoop(t, r, eventloop.Config{Loops: 2})
	open := func(n int) {
		for range n {
			rawJoin(t, dialRaw(t, url, json.Serializer{}, 0))
		}
	}
	open(10)
	at10 := runtime.NumGoroutine()
	open(290)
	if n := r.SessionCount(realm1); n != 300 {
		t.Fatalf("%d sessions", n)
	}
	var at300 int
	waitFor(t, "the goroutine count to settle", func() bool {
		at300 = runtime.NumGoroutine()
		return at300-at10 <= 5
	})
	t.Logf("goroutines: %d with 10 idle loop sessions, %d with 300", at10, at300)
}

// A connection that sends no HELLO gets ABORT wamp.error.timeout from the
// timer, then the closing handshake.
func TestLoopHelloTimeout(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.HelloTimeout = 50 * time.Millisecond })
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	c := dialRaw(t, url, json.Serializer{}, 0)
	m, err := c.Recv(ctxT(t))
	if a, ok := m.(*wamp.Abort); !ok || a.Reason != wamp.ErrTimeout {
		t.Fatalf("got %v %v, want ABORT %s", m, err, wamp.ErrTimeout)
	}
	if _, err := c.Recv(ctxT(t)); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("after ABORT: %v", err)
	}
	// Malformed input ends a session too.
	c = dialRaw(t, url, json.Serializer{}, 0)
	rawJoin(t, c)
	if err := c.WS().WriteMessage(ctxT(t), ws.OpText, []byte(`[1, "not a hello"`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Recv(ctxT(t)); err == nil {
		t.Fatal("the connection stays open after malformed WAMP")
	}
	waitFor(t, "no session left", func() bool { return r.SessionCount(realm1) == 0 })
}

// The router's GOODBYE (Close) waits for the client's GOODBYE before the
// transport closes, on goroutines and on the loop; a client that does not
// answer is closed after CloseTimeout.
func TestRouterGoodbyeWaitsForReply(t *testing.T) {
	for _, driver := range []string{"pipe", "loop"} {
		for _, answer := range []bool{true, false} {
			name := driver + " answers"
			if !answer {
				name = driver + " silent"
			}
			t.Run(name, func(t *testing.T) {
				closeTimeout := 300 * time.Millisecond
				if answer {
					closeTimeout = 20 * time.Second // the answer, not the timeout, ends it
				}
				r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}, CloseTimeout: closeTimeout})
				if err != nil {
					t.Fatal(err)
				}
				var tr wamp.Transport
				if driver == "pipe" {
					tr = r.Connect()
					defer tr.Close()
				} else {
					tr = dialRaw(t, serveLoop(t, r, eventloop.Config{Loops: 1}), json.Serializer{}, 0)
				}
				rawJoin(t, tr)
				start := time.Now()
				closed := make(chan error, 1)
				go func() { closed <- r.Close(context.Background()) }()
				ctx := ctxT(t)
				m, err := tr.Recv(ctx)
				if g, ok := m.(*wamp.Goodbye); !ok || g.Reason != wamp.ErrSystemShutdown {
					t.Fatalf("got %v %v, want GOODBYE", m, err)
				}
				if answer {
					// The transport is still open for the answer.
					if err := tr.Send(ctx, &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut}); err != nil {
						t.Fatalf("answering GOODBYE: %v", err)
					}
				}
				if m, err := tr.Recv(ctx); err == nil {
					t.Fatalf("after GOODBYE: %v", m)
				}
				ended := time.Since(start)
				if err := <-closed; err != nil {
					t.Fatal(err)
				}
				switch {
				case answer && ended > closeTimeout/2:
					t.Fatalf("closed %v after GOODBYE though the client answered", ended)
				case !answer && ended < closeTimeout:
					t.Fatalf("closed %v after GOODBYE, before CloseTimeout %v", ended, closeTimeout)
				}
			})
		}
	}
}

// BenchmarkCallWebSocket: call round trips over WebSocket (wamp/client
// on both ends, JSON), with the router's sessions on goroutines (net/http,
// ServeTransport) and on the event loop (LoopHandler); 1 and 16 calls in
// flight.
func BenchmarkCallWebSocket(b *testing.B) {
	for _, driver := range []string{"goroutines", "attach", "loop"} {
		for _, par := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/parallel=%d", driver, par), func(b *testing.B) {
				r := benchRouter(b)
				var url string
				if driver == "loop" {
					url = serveLoop(b, r, eventloop.Config{Loops: 1})
				} else {
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
						c, err := websocket.Accept(w, req, websocket.Options{Serializers: serializers})
						switch {
						case err != nil:
						case driver == "attach":
							_ = r.Attach(c)
						default:
							r.ServeTransport(context.Background(), c)
						}
					}))
					b.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
					url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
				}
				join := func() *client.Session {
					c, err := websocket.Dial(context.Background(), url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
					if err != nil {
						b.Fatal(err)
					}
					s, err := client.Join(context.Background(), c, realm1, client.JoinOptions{})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { s.Close() })
					return s
				}
				callee, caller := join(), join()
				if _, err := callee.Register(context.Background(), "bench.echo", echo, nil); err != nil {
					b.Fatal(err)
				}
				args := wamp.List{"hello", int64(1)}
				b.SetParallelism(par)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := caller.Call(context.Background(), "bench.echo", args, nil, nil); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
