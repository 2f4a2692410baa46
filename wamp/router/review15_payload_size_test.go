package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// smallLimit is the message size the small peers' transports take: room
// for WELCOME, not for bigArg.
const smallLimit = 2048

var bigArg = strings.Repeat("x", 3*smallLimit)

// smallDialers returns, per transport, a func that joins realm1 of r by
// hand announcing features over a transport that carries no message to
// the client longer than smallLimit: RawSocket (the client's maximum
// message length), WebSocket on goroutines and on the event loop (the
// server's MaxMessagePayload).
func smallDialers(t *testing.T, r *router.Router) map[string]func(t *testing.T, features map[string][]string) *raw {
	t.Helper()
	join := func(t *testing.T, tr wamp.Transport, features map[string][]string) *raw {
		c := &raw{t: t, tr: tr}
		t.Cleanup(func() { tr.Close() })
		c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(features)}})
		if m, ok := c.recv().(*wamp.Welcome); !ok {
			t.Fatalf("no WELCOME: %v", m)
		}
		return c
	}
	rsAddr := serveRawSocket(t, r)
	goURL := serveWebSocketWith(t, r, websocket.Options{Serializers: serializers, WS: &ws.Options{MaxMessagePayload: smallLimit}})
	// WebSocket on the event loop.
	loopOpts := websocket.Options{Serializers: serializers, WS: &ws.Options{MaxMessagePayload: smallLimit}}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(loopOpts), Options: loopOpts.WS, Config: eventloop.Config{Loops: 1}})
	loopURL := "ws://" + addr.String() + "/ws"
	dialWS := func(url string) func(*testing.T, map[string][]string) *raw {
		return func(t *testing.T, features map[string][]string) *raw {
			c, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
			if err != nil {
				t.Fatal(err)
			}
			return join(t, c, features)
		}
	}
	return map[string]func(*testing.T, map[string][]string) *raw{
		"rawsocket": func(t *testing.T, features map[string][]string) *raw {
			c, err := rawsocket.Dial(ctxT(t), "tcp", rsAddr, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: smallLimit})
			if err != nil {
				t.Fatal(err)
			}
			return join(t, c, features)
		},
		"websocket": dialWS(goURL),
		"loop":      dialWS(loopURL),
	}
}

// An INVOCATION larger than the callee's transport takes: the caller gets
// ERROR wamp.error.payload_size_exceeded, the callee is told nothing and
// keeps its session (it was closed, and the caller got
// wamp.error.canceled: "the callee left").
func TestReview15InvocationTooLargeForCallee(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			callee := dial(t, plainPeer)
			proc := wamp.URI("big.in." + name)
			callee.register(1, proc, nil)
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{bigArg}})
			caller.expectError(1, wamp.ErrPayloadSizeExceeded)
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"small"}})
			inv := callee.expectInvocation()
			if inv.Args[0] != "small" {
				t.Fatalf("callee got %v", inv.Args)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 2 || res.Args[0] != "ok" {
				t.Fatalf("caller got %v", res)
			}
		})
	}
}

// A call whose first callee's transport cannot carry the INVOCATION goes
// to the next callee of its shared registration, as a reroute would.
func TestReview15InvocationTooLargeNextCallee(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			proc := wamp.URI("big.first." + name)
			small := dial(t, plainPeer)
			small.register(1, proc, wamp.Dict{"invoke": router.InvokeFirst})
			big, _ := rawJoinAs(t, r, plainPeer)
			big.register(1, proc, wamp.Dict{"invoke": router.InvokeFirst})
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{bigArg}})
			inv := big.expectInvocation()
			big.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"big"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 1 || res.Args[0] != "big" {
				t.Fatalf("caller got %v", res)
			}
			small.quiet(2)
		})
	}
}

// A RESULT, or a callee's ERROR, larger than the caller's transport takes:
// the caller gets ERROR wamp.error.payload_size_exceeded as the call's one
// answer and keeps its session (it was closed).
func TestReview15ResultTooLargeForCaller(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			callee, _ := rawJoinAs(t, r, plainPeer)
			proc := wamp.URI("big.out." + name)
			callee.register(1, proc, nil)
			caller := dial(t, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc})
			inv := callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{bigArg}})
			caller.expectError(1, wamp.ErrPayloadSizeExceeded)
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc})
			inv = callee.expectInvocation()
			callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: "app.error", Args: wamp.List{bigArg}})
			caller.expectError(2, wamp.ErrPayloadSizeExceeded)
			caller.quiet(3)
		})
	}
}

// A progressive RESULT larger than the caller's transport takes ends the
// call: the caller gets ERROR wamp.error.payload_size_exceeded, the callee
// INTERRUPT (killnowait); its later answer is dropped.
func TestReview15ProgressTooLargeForCaller(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			callee, _ := rawJoinAs(t, r, progressiveCallee)
			proc := wamp.URI("big.progress." + name)
			callee.register(1, proc, nil)
			caller := dial(t, progressiveCaller)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{"receive_progress": true}, Procedure: proc})
			inv := callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{"small"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 1 || res.Details["progress"] != true {
				t.Fatalf("caller got %v", res)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{bigArg}})
			caller.expectError(1, wamp.ErrPayloadSizeExceeded)
			callee.expectInterrupt(inv.Request, "killnowait")
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"late"}})
			caller.quiet(2)

			// A too large progressive result followed at once by the final
			// one: whether the call has ended when the writer finds the
			// progressive result refused or not, the caller's one answer
			// is payload_size_exceeded.
			caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"receive_progress": true}, Procedure: proc})
			inv = callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{bigArg}})
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"final"}})
			caller.expectError(3, wamp.ErrPayloadSizeExceeded)
			caller.quiet(4)
		})
	}
}

// An EVENT larger than the subscriber's transport takes is dropped for it,
// counted (Stats.EventsDropped, SessionInfo.Dropped) and logged; the
// subscriber keeps its session and gets the next event (it was closed).
func TestReview15EventTooLargeForSubscriber(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) { c.Logger = logs.logger() })
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().EventsDropped
			sub := dial(t, map[string][]string{"subscriber": {}})
			topic := wamp.URI("big.event." + name)
			sub.send(&wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: topic})
			if m, ok := sub.recv().(*wamp.Subscribed); !ok {
				t.Fatalf("got %v", m)
			}
			pub, _ := rawJoinAs(t, r, map[string][]string{"publisher": {}})
			pub.send(&wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: topic, Args: wamp.List{bigArg}})
			pub.send(&wamp.Publish{Request: 2, Options: wamp.Dict{"acknowledge": true}, Topic: topic, Args: wamp.List{"small"}})
			if m, ok := pub.recv().(*wamp.Published); !ok {
				t.Fatalf("publisher got %v", m)
			}
			ev, ok := sub.recv().(*wamp.Event)
			if !ok || ev.Args[0] != "small" {
				t.Fatalf("subscriber got %v", ev)
			}
			if n := r.Stats().EventsDropped - before; n != 1 {
				t.Fatalf("EventsDropped grew by %d, want 1", n)
			}
		})
	}
	if !strings.Contains(logs.String(), "larger than the subscriber's transport takes") {
		t.Fatal("the dropped events were not logged")
	}
}
