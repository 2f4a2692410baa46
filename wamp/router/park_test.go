package router_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// parkedReaders counts the sessions whose reader waits for input outside
// Recv (Router.Attach over WebSocket and RawSocket): on a fresh goroutine
// in the transport's AwaitInput (goroutineParked), or without a goroutine
// in the shared poller (on Linux: ws.IdleWaiters, rawsocket.IdleWaiters).
func parkedReaders() int { return goroutineParked() + ws.IdleWaiters() + rawsocket.IdleWaiters() }

// goroutineParked counts the readers parked on a goroutine of their own.
func goroutineParked() int {
	buf := make([]byte, 4<<20)
	n := 0
	for g := range strings.SplitSeq(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "router.(*session).parked(") && strings.Contains(g, ".AwaitInput(") && !strings.Contains(g, "readLoop(") {
			n++
		}
	}
	return n
}

// parkTransports joins sessions over the goroutine transports whose
// readers park: WebSocket and RawSocket, both served with Router.Attach.
var parkTransports = map[string]func(t *testing.T, r *router.Router) func(wamp.Serializer) wamp.Transport{
	"websocket": func(t *testing.T, r *router.Router) func(wamp.Serializer) wamp.Transport {
		url := serveWebSocketAttach(t, r)
		return func(ser wamp.Serializer) wamp.Transport {
			c, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{ser}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
	},
	"rawsocket": func(t *testing.T, r *router.Router) func(wamp.Serializer) wamp.Transport {
		addr := serveRawSocket(t, r)
		return func(ser wamp.Serializer) wamp.Transport {
			c, err := rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: ser})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
	},
}

// Sessions attached over WebSocket or RawSocket that go idle wait for
// input in AwaitInput on a fresh goroutine; a CALL after that (small,
// then one many times the read buffer, in both directions) is served as
// before, and the readers park again when the calls are over.
func TestParkedSessionCall(t *testing.T) {
	for name, serve := range parkTransports {
		t.Run(name, func(t *testing.T) {
			r := newRouter(t, nil)
			dial := serve(t, r)
			callee := joinOver(t, dial(cbor.Serializer{}))
			caller := joinOver(t, dial(json.Serializer{}))
			if _, err := callee.Register(ctxT(t), "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
				return &client.Result{Args: inv.Args}, nil
			}, nil); err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{3, 1 << 20} {
				waitFor(t, "both readers parked", func() bool { return parkedReaders() == 2 })
				arg := strings.Repeat("a", size)
				res, err := caller.Call(ctxT(t), "com.example.echo", wamp.List{arg}, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Args) != 1 || res.Args[0] != arg {
					t.Fatalf("size %d: the echo differs", size)
				}
			}
			waitFor(t, "both readers parked again", func() bool { return parkedReaders() == 2 })
		})
	}
}

// A session whose reader is parked ends when its client goes away, and
// when the router closes: the leak check of TestMain finds no goroutine
// of either left.
func TestParkedSessionClose(t *testing.T) {
	for name, serve := range parkTransports {
		t.Run(name, func(t *testing.T) {
			r := newRouter(t, nil)
			dial := serve(t, r)
			gone, stays := dial(json.Serializer{}), dial(json.Serializer{})
			rawJoin(t, gone)
			rawJoin(t, stays)
			waitFor(t, "both readers parked", func() bool { return parkedReaders() == 2 })
			gone.Close()
			waitFor(t, "the session of the closed client to end", func() bool { return r.SessionCount(realm1) == 1 })
			waitFor(t, "one parked reader", func() bool { return parkedReaders() == 1 })
			ctx := ctxT(t)
			closed := make(chan error, 1)
			go func() { closed <- r.Close(ctx) }()
			// The router's GOODBYE reaches the parked session's client,
			// whose answer wakes the parked reader.
			m, err := stays.Recv(ctx)
			if _, ok := m.(*wamp.Goodbye); !ok {
				t.Fatalf("after Router.Close: %v %v", m, err)
			}
			if err := stays.Send(ctx, &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut}); err != nil {
				t.Fatal(err)
			}
			// Recv answers the close frame that follows (WebSocket), which
			// the router's close waits for.
			if m, err := stays.Recv(ctx); err == nil {
				t.Fatalf("after GOODBYE: %v", m)
			}
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			waitFor(t, "no parked reader", func() bool { return parkedReaders() == 0 })
		})
	}
}
