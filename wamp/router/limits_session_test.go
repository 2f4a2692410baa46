package router_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// limitJoiners returns a router whose realm1 mod configures, and a way to
// join it per session kind: "goroutine" (the in-process pipe) and "loop"
// (a WebSocket served by the event loop).
func limitJoiners(t *testing.T, mod func(*router.RealmConfig)) (*router.Router, map[string]func() *client.Session) {
	t.Helper()
	r := newRouter(t, func(c *router.Config) { mod(&c.Realms[0]) })
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	return r, map[string]func() *client.Session{
		"goroutine": func() *client.Session { return join(t, r) },
		"loop":      func() *client.Session { return joinWebSocket(t, url, json.Serializer{}) },
	}
}

// sessionInfo returns what the router counts for s.
func sessionInfo(t *testing.T, r *router.Router, s *client.Session) router.SessionInfo {
	t.Helper()
	info, ok := r.Session(realm1, s.ID())
	if !ok {
		t.Fatalf("session %d gone", s.ID())
	}
	return info
}

// wantLimitError checks err is ERROR ErrLimitExceeded naming limit key
// with max.
func wantLimitError(t *testing.T, err error, key string, max int64) {
	t.Helper()
	var we *client.Error
	if !errors.As(err, &we) || we.URI != router.ErrLimitExceeded {
		t.Fatalf("err = %v, want %s", err, router.ErrLimitExceeded)
	}
	if n, _ := wamp.AsInt64(we.Kwargs["max"]); we.Kwargs["limit"] != key || n != max {
		t.Fatalf("ERROR.ArgumentsKw = %v, want limit %s, max %d", we.Kwargs, key, max)
	}
}

// blocker is a procedure whose invocations wait for a release (or their
// INTERRUPT) and tell started when they begin.
type blocker struct {
	started chan struct{}
	release chan struct{}
}

func newBlocker(t *testing.T) *blocker {
	b := &blocker{started: make(chan struct{}, 64), release: make(chan struct{})}
	t.Cleanup(func() { close(b.release) })
	return b
}

func (b *blocker) handle(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
		return &client.Result{Args: inv.Args}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *blocker) waitStarted(t *testing.T) {
	t.Helper()
	recvT(t, b.started)
}

// recvT receives from ch, failing the test after ctxT's deadline.
func recvT[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctxT(t).Done():
		t.Fatal("nothing received")
		panic("unreachable")
	}
}

// sendT sends v on ch, failing the test after ctxT's deadline.
func sendT[T any](t *testing.T, ch chan<- T, v T) {
	t.Helper()
	select {
	case ch <- v:
	case <-ctxT(t).Done():
		t.Fatal("nobody received")
	}
}

// RealmConfig.MaxPendingCalls, on both kinds of session: a caller with its
// maximum of calls in flight gets ERROR wamp.error.limit_exceeded for the
// next CALL (and only that answer); once one call ends it may call again.
// The callee and other callers are not affected.
func TestSessionMaxPendingCalls(t *testing.T) {
	const max = 3
	r, joiners := limitJoiners(t, func(rc *router.RealmConfig) { rc.MaxPendingCalls = max })
	for kind, joinKind := range joiners {
		t.Run(kind, func(t *testing.T) {
			slow := wamp.URI(kind + ".slow") // the other kind's callee may not have left yet
			callee := join(t, r)
			release := make(chan struct{})
			started := make(chan struct{}, 2*max)
			register(t, callee, slow, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				started <- struct{}{}
				select {
				case <-release:
					return &client.Result{Args: inv.Args}, nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}, nil)
			caller := joinKind()
			results := make(chan error, 2*max)
			call := func() {
				go func() {
					_, err := caller.Call(ctxT(t), slow, nil, nil, nil)
					results <- err
				}()
				recvT(t, started)
			}
			for range max {
				call()
			}
			if n := sessionInfo(t, r, caller).PendingCalls; n != max {
				t.Fatalf("PendingCalls = %d, want %d", n, max)
			}
			refused := r.Stats().RefusedCalls
			_, err := caller.Call(ctxT(t), slow, nil, nil, nil)
			wantLimitError(t, err, "max_pending_calls", max)
			if n := r.Stats().RefusedCalls; n != refused+1 {
				t.Fatalf("Stats().RefusedCalls = %d after a refusal, was %d", n, refused)
			}
			if n := sessionInfo(t, r, caller).PendingCalls; n != max {
				t.Fatalf("PendingCalls = %d after a refusal, want %d", n, max)
			}
			// Another caller is not bound by this one's count.
			other := joinKind()
			go func() {
				_, err := other.Call(ctxT(t), slow, nil, nil, nil)
				results <- err
			}()
			recvT(t, started)
			inFlight := max + 1
			// Calls end until one of the caller's has.
			for sessionInfo(t, r, caller).PendingCalls == max {
				sendT(t, release, struct{}{})
				if err := recvT(t, results); err != nil {
					t.Fatal(err)
				}
				inFlight--
			}
			call() // accepted again
			inFlight++
			close(release)
			for range inFlight {
				if err := recvT(t, results); err != nil {
					t.Fatal(err)
				}
			}
			if n := sessionInfo(t, r, caller).PendingCalls; n != 0 {
				t.Fatalf("PendingCalls = %d after every call ended", n)
			}
		})
	}
}

// Every way a call ends gives its slot back: with MaxPendingCalls 1 a
// leaked count would refuse the next call. After each path the router
// counts no pending call and a plain call goes through.
func TestSessionPendingCallsReleased(t *testing.T) {
	r, joiners := limitJoiners(t, func(rc *router.RealmConfig) { rc.MaxPendingCalls = 1 })
	for kind, joinKind := range joiners {
		t.Run(kind, func(t *testing.T) {
			// Procedures of their own per kind: the other kind's callees
			// may not have left the router yet.
			p := func(name string) wamp.URI { return wamp.URI(kind + "." + name) }
			callee := join(t, r)
			register(t, callee, p("echo"), echo, nil)
			register(t, callee, p("fail"), func(context.Context, *client.Invocation) (*client.Result, error) {
				return nil, &client.Error{URI: "com.example.oops"}
			}, nil)
			b := newBlocker(t)
			register(t, callee, p("block"), b.handle, nil)
			register(t, callee, p("progress"), func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				if err := inv.SendProgress(ctx, wamp.List{"part"}, nil); err != nil {
					return nil, err
				}
				return &client.Result{Args: wamp.List{"done"}}, nil
			}, nil)
			unavailable := func(context.Context, *client.Invocation) (*client.Result, error) {
				return nil, &client.Error{URI: wamp.ErrUnavailable}
			}
			first := &client.RegisterOptions{Invoke: router.InvokeFirst}
			register(t, join(t, r), p("reroute"), unavailable, first)
			register(t, join(t, r), p("reroute"), echo, first)
			register(t, join(t, r), p("exhausted"), unavailable, first)
			register(t, join(t, r), p("exhausted"), unavailable, first)
			caller := joinKind()

			released := func(path string) {
				t.Helper()
				waitFor(t, path+": no pending call", func() bool { return sessionInfo(t, r, caller).PendingCalls == 0 })
				if _, err := caller.Call(ctxT(t), p("echo"), nil, nil, nil); err != nil {
					t.Fatalf("%s: the next call: %v", path, err)
				}
			}
			wantURI := func(path string, err error, uri wamp.URI) {
				t.Helper()
				if !isWampError(err, uri) {
					t.Fatalf("%s: err = %v, want %s", path, err, uri)
				}
				released(path)
			}
			// blocked starts a call of "block" and returns its answer channel
			// once the callee runs it.
			blocked := func(ctx context.Context, opts *client.CallOptions, bb *blocker) chan error {
				answer := make(chan error, 1)
				go func() {
					_, err := caller.Call(ctx, p("block"), nil, nil, opts)
					answer <- err
				}()
				bb.waitStarted(t)
				return answer
			}

			_, err := caller.Call(ctxT(t), p("echo"), nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			released("RESULT")
			_, err = caller.Call(ctxT(t), p("fail"), nil, nil, nil)
			wantURI("ERROR", err, "com.example.oops")
			_, err = caller.Call(ctxT(t), p("progress"), nil, nil, &client.CallOptions{OnProgress: func(*wamp.Result) {}})
			if err != nil {
				t.Fatal(err)
			}
			released("progressive RESULT")
			_, err = caller.Call(ctxT(t), p("block"), nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(20)}})
			b.waitStarted(t)
			wantURI("timeout", err, wamp.ErrTimeout)
			for _, mode := range []string{client.CancelKill, client.CancelKillNoWait, client.CancelSkip} {
				ctx, cancel := context.WithCancel(ctxT(t))
				answer := blocked(ctx, &client.CallOptions{CancelMode: mode}, b)
				cancel()
				if err := recvT(t, answer); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancel %s: %v", mode, err)
				}
				released("cancel " + mode)
			}
			_, err = caller.Call(ctxT(t), p("reroute"), nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			released("reroute")
			_, err = caller.Call(ctxT(t), p("exhausted"), nil, nil, nil)
			wantURI("reroute exhausted", err, wamp.ErrNoAvailableCallee)

			// The callee revoked, then the callee leaving.
			revoked, rb := join(t, r), newBlocker(t)
			reg := register(t, revoked, p("other.block"), rb.handle, nil)
			answer := make(chan error, 1)
			go func() {
				_, err := caller.Call(ctxT(t), p("other.block"), nil, nil, nil)
				answer <- err
			}()
			rb.waitStarted(t)
			if err := r.RemoveCallee(realm1, reg.ID, revoked.ID(), "test"); err != nil {
				t.Fatal(err)
			}
			wantURI("callee revoked", recvT(t, answer), wamp.ErrCanceled)
			// A callee whose transport goes without a word.
			leaving := rawConn(t, r)
			leaving.join()
			if _, ok := rawRequestConn(leaving, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "leaving"}).(*wamp.Registered); !ok {
				t.Fatal("REGISTER refused")
			}
			go func() {
				_, err := caller.Call(ctxT(t), "leaving", nil, nil, nil)
				answer <- err
			}()
			if _, ok := leaving.recv().(*wamp.Invocation); !ok {
				t.Fatal("no INVOCATION")
			}
			leaving.tr.Close()
			wantURI("callee left", recvT(t, answer), wamp.ErrCanceled)
		})
	}
}

// The invariant at the limit, on raw sessions of both kinds: CALLs sent
// back to back past MaxPendingCalls each get exactly one answer: ERROR
// wamp.error.limit_exceeded for those over the limit at once, RESULT for
// the others when the callee answers. Nothing else follows.
func TestSessionPendingCallsOneAnswer(t *testing.T) {
	const max, calls = 4, 10
	r := newRouter(t, func(c *router.Config) { c.Realms[0].MaxPendingCalls = max })
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	transports := map[string]func() wamp.Transport{
		"goroutine": func() wamp.Transport { return rawConn(t, r).tr },
		"loop":      func() wamp.Transport { return dialRaw(t, url, json.Serializer{}, 0) },
	}
	for kind, dial := range transports {
		t.Run(kind, func(t *testing.T) {
			// A procedure of its own: the other subtest's callee may still
			// be leaving (its registration with it).
			proc := wamp.URI("com.example.held." + kind)
			callee := rawConn(t, r)
			callee.join()
			reg, ok := rawRequestConn(callee, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: proc}).(*wamp.Registered)
			if !ok {
				t.Fatal("REGISTER refused")
			}
			tr := dial()
			ctx := ctxT(t)
			rawJoin(t, tr)
			for id := range wamp.ID(calls) {
				if err := tr.Send(ctx, &wamp.Call{Request: id + 1, Options: wamp.Dict{}, Procedure: proc}); err != nil {
					t.Fatal(err)
				}
			}
			answers := map[wamp.ID]wamp.Message{}
			record := func(m wamp.Message, req wamp.ID) {
				if answers[req] != nil {
					t.Fatalf("request %d answered twice: %v, then %v", req, answers[req], m)
				}
				answers[req] = m
			}
			for range calls - max {
				m, err := tr.Recv(ctx)
				e, ok := m.(*wamp.Error)
				if !ok || e.Error != router.ErrLimitExceeded || e.Request <= max {
					t.Fatalf("answer %v %v, want ERROR %s to a request over %d", m, err, router.ErrLimitExceeded, max)
				}
				record(m, e.Request)
			}
			for range max {
				inv, ok := callee.recv().(*wamp.Invocation)
				if !ok || inv.Registration != reg.Registration {
					t.Fatalf("callee got %v", inv)
				}
				callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}})
			}
			for range max {
				m, err := tr.Recv(ctx)
				res, ok := m.(*wamp.Result)
				if !ok {
					t.Fatalf("answer %v %v, want RESULT", m, err)
				}
				record(m, res.Request)
			}
			// Nothing more came before the answer to the next request.
			next := rawRequest(t, tr, &wamp.Call{Request: 100, Options: wamp.Dict{}, Procedure: "wamp.session.count"})
			if res, ok := next.(*wamp.Result); !ok || res.Request != 100 {
				t.Fatalf("after the %d answers: %v", calls, next)
			}
		})
	}
}

func rawRequestConn(c *raw, m wamp.Message) wamp.Message {
	c.send(m)
	return c.recv()
}

// The defaults, and negative meaning no bound: on a raw session requests
// are sent back to back up to one past the default; with the default the
// last is refused, with -1 none is. The router counts what the session
// holds.
func TestSessionLimitDefaults(t *testing.T) {
	cases := []struct {
		name  string
		max   int
		set   func(*router.RealmConfig, int)
		count func(router.SessionInfo) int
		req   func(wamp.ID) wamp.Message
	}{
		{"MaxPendingCalls", router.DefaultMaxPendingCalls,
			func(rc *router.RealmConfig, v int) { rc.MaxPendingCalls = v },
			func(i router.SessionInfo) int { return i.PendingCalls },
			func(id wamp.ID) wamp.Message { return &wamp.Call{Request: id, Options: wamp.Dict{}, Procedure: "held"} }},
		{"MaxSubscriptions", router.DefaultMaxSubscriptions,
			func(rc *router.RealmConfig, v int) { rc.MaxSubscriptions = v },
			func(i router.SessionInfo) int { return i.Subscriptions },
			func(id wamp.ID) wamp.Message {
				return &wamp.Subscribe{Request: id, Options: wamp.Dict{}, Topic: wamp.URI("t." + strconv.Itoa(int(id)))}
			}},
		{"MaxRegistrations", router.DefaultMaxRegistrations,
			func(rc *router.RealmConfig, v int) { rc.MaxRegistrations = v },
			func(i router.SessionInfo) int { return i.Registrations },
			func(id wamp.ID) wamp.Message {
				return &wamp.Register{Request: id, Options: wamp.Dict{}, Procedure: wamp.URI("p." + strconv.Itoa(int(id)))}
			}},
	}
	for _, tc := range cases {
		for _, setting := range []int{0, -1} {
			t.Run(tc.name+"="+strconv.Itoa(setting), func(t *testing.T) {
				r := newRouter(t, func(c *router.Config) { tc.set(&c.Realms[0], setting) })
				callee := rawConn(t, r) // holds the calls: reads nothing
				callee.join()
				if _, ok := rawRequestConn(callee, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "held"}).(*wamp.Registered); !ok {
					t.Fatal("REGISTER refused")
				}
				c := rawConn(t, r)
				id := c.join()
				for i := range wamp.ID(tc.max + 1) {
					c.send(tc.req(i + 1))
				}
				// The answers up to a meta call's, answered at once: the
				// held calls have none yet.
				const sentinel = 1 << 40
				c.send(&wamp.Call{Request: sentinel, Options: wamp.Dict{}, Procedure: "wamp.session.count"})
				refused := 0
				for {
					m := c.recv()
					if res, ok := m.(*wamp.Result); ok && res.Request == sentinel {
						break
					}
					if e, ok := m.(*wamp.Error); ok {
						if e.Error != router.ErrLimitExceeded || e.Request != wamp.ID(tc.max+1) {
							t.Fatalf("refused: %v", m)
						}
						refused++
					}
				}
				if want := map[bool]int{true: 1, false: 0}[setting == 0]; refused != want {
					t.Fatalf("%d refusals, want %d", refused, want)
				}
				info, _ := r.Session(realm1, id)
				want := tc.max
				if setting < 0 {
					want++
				}
				if n := tc.count(info); n != want {
					t.Fatalf("the router counts %d, want %d", n, want)
				}
			})
		}
	}
}

// RealmConfig.MaxSubscriptions, on both kinds of session: past it a
// SUBSCRIBE gets ERROR wamp.error.limit_exceeded and creates nothing;
// subscribing again to a subscription the session has is not refused;
// UNSUBSCRIBE and revocation free a slot; another session is not bound by
// this one's count.
func TestSessionMaxSubscriptions(t *testing.T) {
	const max = 2
	r, joiners := limitJoiners(t, func(rc *router.RealmConfig) { rc.MaxSubscriptions = max })
	for kind, joinKind := range joiners {
		t.Run(kind, func(t *testing.T) {
			s, other := joinKind(), join(t, r)
			topic := func(name string) wamp.URI { return wamp.URI(kind + "." + name) }
			a, _ := subscribe(t, s, topic("a"), nil)
			b, _ := subscribe(t, s, topic("b"), nil)
			_, err := s.Subscribe(ctxT(t), topic("c"), func(*wamp.Event) {}, nil)
			wantLimitError(t, err, "max_subscriptions", max)
			if got := result0(t, metaCall(t, other, "wamp.subscription.lookup", wamp.List{string(topic("c"))}, nil)); got != nil {
				t.Fatalf("the refused SUBSCRIBE created subscription %v", got)
			}
			if n := sessionInfo(t, r, s).Subscriptions; n != max {
				t.Fatalf("Subscriptions = %d, want %d", n, max)
			}
			a2, _ := subscribe(t, s, topic("a"), nil) // has it: not refused
			subscribe(t, other, topic("c"), nil)
			for _, sub := range []*client.Subscription{a, a2} { // the client unsubscribes with its last handler
				if err := s.Unsubscribe(ctxT(t), sub); err != nil {
					t.Fatal(err)
				}
			}
			subscribe(t, s, topic("c"), nil)
			if err := r.RemoveSubscriber(realm1, b.ID, s.ID(), "test"); err != nil {
				t.Fatal(err)
			}
			if n := sessionInfo(t, r, s).Subscriptions; n != 1 {
				t.Fatalf("Subscriptions = %d after a revocation, want 1", n)
			}
			subscribe(t, s, topic("d"), nil)
			_, err = s.Subscribe(ctxT(t), topic("e"), func(*wamp.Event) {}, &client.SubscribeOptions{Match: wamp.MatchPrefix})
			wantLimitError(t, err, "max_subscriptions", max)
		})
	}
}

// RealmConfig.MaxRegistrations, on both kinds of session: past it a
// REGISTER gets ERROR wamp.error.limit_exceeded and creates nothing;
// UNREGISTER and revocation free a slot; another session is not bound by
// this one's count.
func TestSessionMaxRegistrations(t *testing.T) {
	const max = 2
	r, joiners := limitJoiners(t, func(rc *router.RealmConfig) { rc.MaxRegistrations = max })
	for kind, joinKind := range joiners {
		t.Run(kind, func(t *testing.T) {
			s, other := joinKind(), join(t, r)
			proc := func(name string) wamp.URI { return wamp.URI(kind + "." + name) }
			a := register(t, s, proc("a"), echo, nil)
			b := register(t, s, proc("b"), echo, nil)
			refused := r.Stats().RefusedRegistrations
			_, err := s.Register(ctxT(t), proc("c"), echo, nil)
			wantLimitError(t, err, "max_registrations", max)
			if n := r.Stats().RefusedRegistrations; n != refused+1 {
				t.Fatalf("Stats().RefusedRegistrations = %d after a refusal, was %d", n, refused)
			}
			if got := result0(t, metaCall(t, other, "wamp.registration.lookup", wamp.List{string(proc("c"))}, nil)); got != nil {
				t.Fatalf("the refused REGISTER created registration %v", got)
			}
			if n := sessionInfo(t, r, s).Registrations; n != max {
				t.Fatalf("Registrations = %d, want %d", n, max)
			}
			register(t, other, proc("c"), echo, nil)
			if err := s.Unregister(ctxT(t), a); err != nil {
				t.Fatal(err)
			}
			register(t, s, proc("d"), echo, nil)
			if err := r.RemoveCallee(realm1, b.ID, s.ID(), "test"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the revocation counted", func() bool { return sessionInfo(t, r, s).Registrations == 1 })
			register(t, s, proc("e"), echo, nil)
			if _, err := other.Call(ctxT(t), proc("e"), nil, nil, &client.CallOptions{Timeout: 10 * time.Second}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A progressive CALL over the limit gets its one ERROR; the further parts
// of that call are discarded, not taken for new calls (each of which would
// be answered again).
func TestSessionPendingCallsProgressiveRefused(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.Realms[0].MaxPendingCalls = 1 })
	callee, _ := rawJoinAs(t, r, progressiveCallee)
	if _, ok := rawRequestConn(callee, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "held"}).(*wamp.Registered); !ok {
		t.Fatal("REGISTER refused")
	}
	caller, id := rawJoinAs(t, r, progressiveCaller)
	caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "held"})
	inv, ok := callee.recv().(*wamp.Invocation)
	if !ok {
		t.Fatal("no INVOCATION")
	}
	caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{"progress": true}, Procedure: "held"})
	if e, ok := caller.recv().(*wamp.Error); !ok || e.Request != 2 || e.Error != router.ErrLimitExceeded {
		t.Fatalf("progressive CALL over the limit: %v", e)
	}
	caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{"progress": true}, Procedure: "held"})
	caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: "held"})
	caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "wamp.session.count"})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 {
		t.Fatalf("after the discarded parts: %v", res)
	}
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 1 {
		t.Fatalf("the held call's answer: %v", res)
	}
	if info, _ := r.Session(realm1, id); info.PendingCalls != 0 {
		t.Fatalf("PendingCalls = %d", info.PendingCalls)
	}
}

// The dealer's invariant (dealer_invariant_test.go) with callers that keep
// up to 8 calls in flight in a realm that allows 7: every CALL still gets
// exactly one final answer, some of them ERROR wamp.error.limit_exceeded,
// and every caller holds no pending call once answered, whichever way its
// calls ended (results, errors, timeouts, cancels in each mode, reroutes,
// revoked and departed callees).
func TestAdvancedCallInvariantAtLimit(t *testing.T) {
	reasons := advancedCallInvariant(t, 7)
	if reasons[router.ErrLimitExceeded] == 0 {
		t.Error("no call refused at the limit")
	}
}
