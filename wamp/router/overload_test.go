package router_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// gated is the router's end of a pipe whose Send blocks while the gate is
// shut: a client that stops reading.
type gated struct {
	wamp.Transport
	mu   sync.Mutex
	gate chan struct{}
}

func (g *gated) shut() {
	g.mu.Lock()
	g.gate = make(chan struct{})
	g.mu.Unlock()
}

func (g *gated) open() {
	g.mu.Lock()
	close(g.gate)
	g.gate = nil
	g.mu.Unlock()
}

func (g *gated) Send(ctx context.Context, m wamp.Message) error {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Transport.Send(ctx, m)
}

// attachGated attaches a gated pipe and returns the client end.
func attachGated(t *testing.T, r *router.Router) (wamp.Transport, *gated) {
	t.Helper()
	cli, srv := router.Pipe(0)
	g := &gated{Transport: srv}
	if err := r.Attach(g); err != nil {
		t.Fatal(err)
	}
	return cli, g
}

const softLimit = 8 << 10

func overloadRouter(t *testing.T, policy router.SlowPolicy, logs *logBuffer) *router.Router {
	return newRouter(t, func(c *router.Config) {
		c.QueueSoftLimit = softLimit
		c.CloseTimeout = 100 * time.Millisecond
		c.Realms[0].SlowSubscriber = policy
		c.Logger = logs.logger()
	})
}

// rawCaller sends calls by hand and checks that every one gets exactly
// one final RESULT or ERROR; got counts them per error URI ("" for RESULT)
// and per procedure.
type rawCaller struct {
	t       *testing.T
	tr      wamp.Transport
	mu      sync.Mutex
	next    wamp.ID
	pending map[wamp.ID]wamp.URI
	got     map[wamp.URI]int
	byProc  map[string]int // "procedure error"
	window  int            // call waits while this many are pending; 0: no limit
	cond    *sync.Cond
}

func newRawCaller(t *testing.T, tr wamp.Transport) *rawCaller {
	c := &rawCaller{t: t, tr: tr, pending: map[wamp.ID]wamp.URI{}, got: map[wamp.URI]int{}, byProc: map[string]int{}}
	c.cond = sync.NewCond(&c.mu)
	ctx := ctxT(t)
	tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
	if m, err := tr.Recv(ctx); err != nil || m.Type() != wamp.TypeWelcome {
		t.Fatalf("join: %v %v", m, err)
	}
	t.Cleanup(func() { tr.Close() })
	return c
}

func (c *rawCaller) call(proc wamp.URI, args wamp.List) error {
	c.mu.Lock()
	for c.window > 0 && len(c.pending) >= c.window {
		c.cond.Wait()
	}
	c.next++
	id := c.next
	c.pending[id] = proc
	c.mu.Unlock()
	return c.tr.Send(ctxT(c.t), &wamp.Call{Request: id, Procedure: proc, Args: args})
}

func (c *rawCaller) outstanding() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// read takes one answer; false when there is none (reported).
func (c *rawCaller) read() bool {
	m, err := c.tr.Recv(ctxT(c.t))
	if err != nil {
		c.t.Errorf("caller: %v (pending %d)", err, c.outstanding())
		return false
	}
	var id wamp.ID
	var uri wamp.URI
	switch m := m.(type) {
	case *wamp.Result:
		id = m.Request
	case *wamp.Error:
		id, uri = m.Request, m.Error
		if uri == wamp.ErrNoAvailableCallee && (len(m.Args) == 0 || !strings.Contains(m.Args[0].(string), "queue")) {
			c.t.Errorf("no_available_callee without a reason: %v", m.Args)
		}
	default:
		c.t.Errorf("caller got %v", m)
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	proc, ok := c.pending[id]
	if !ok {
		c.t.Errorf("answer to request %d, which is not pending", id)
		return false
	}
	delete(c.pending, id)
	c.cond.Broadcast()
	c.got[uri]++
	c.byProc[string(proc)+" "+string(uri)]++
	return true
}

// A callee that stops reading: invocations go to the next callee of a
// shared registration while its queue is over the soft limit, or come back
// as no_available_callee; its queue stays bounded; every call gets one
// answer, also the ones queued for it when it leaves.
func TestSlowCallee(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDisconnect, &logs)
	slowCli, g := attachGated(t, r)
	slow := joinOver(t, slowCli)
	fast := join(t, r)
	for _, s := range []*client.Session{slow, fast} {
		register(t, s, "work", echo, &client.RegisterOptions{Invoke: router.InvokeRoundRobin})
	}
	register(t, slow, "slow.only", echo, nil)
	g.shut()
	c := newRawCaller(t, r.Connect())
	// A window of calls in flight, so that the caller's own replies stay
	// under its hard limit while the slow callee's queue (at most about
	// softLimit/200 invocations) stays full.
	c.window = 60
	arg := wamp.List{strings.Repeat("x", 200)}
	const calls = 400
	var maxQueued atomic.Int64
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range calls {
			if c.call("work", arg) != nil || c.call("slow.only", arg) != nil {
				t.Error("send failed")
				return
			}
			if info, ok := r.Session(realm1, slow.ID()); ok && int64(info.Queued) > maxQueued.Load() {
				maxQueued.Store(int64(info.Queued))
			}
			_ = i
		}
	}()
	read := make(chan struct{})
	go func() {
		defer close(read)
		for answered := 0; answered < 2*calls && c.read(); answered++ {
		}
	}()
	<-sent
	if _, ok := r.Session(realm1, slow.ID()); !ok {
		t.Fatal("the slow callee was closed")
	}
	// The slow callee leaves: its queued invocations end as canceled.
	slowCli.Close()
	<-read
	t.Logf("answers %v; slow callee queue at most %d octets (soft limit %d)", c.byProc, maxQueued.Load(), softLimit)
	if maxQueued.Load() > softLimit+512 {
		t.Errorf("slow callee's queue grew to %d octets, soft limit %d", maxQueued.Load(), softLimit)
	}
	if c.byProc["work "+string(wamp.ErrNoAvailableCallee)] != 0 {
		t.Errorf("a call of the shared procedure found no callee: %v", c.byProc)
	}
	if c.byProc["slow.only "+string(wamp.ErrNoAvailableCallee)] == 0 || c.got[wamp.ErrCanceled] == 0 || c.byProc["work "] == 0 {
		t.Errorf("answers %v: want results, no_available_callee and canceled", c.byProc)
	}
	g.open()
}

// The same with the slow callee released: the queued invocations run.
func TestSlowCalleeRecovers(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDisconnect, &logs)
	slowCli, g := attachGated(t, r)
	slow := joinOver(t, slowCli)
	register(t, slow, "slow.only", echo, nil)
	g.shut()
	c := newRawCaller(t, r.Connect())
	const calls = 100 // their errors fit in the caller's pipe and queue
	for range calls {
		c.call("slow.only", wamp.List{strings.Repeat("y", 300)})
	}
	for c.got[wamp.ErrNoAvailableCallee] < calls-2*softLimit/300 && c.read() {
	}
	g.open()
	for c.outstanding() > 0 && c.read() {
	}
	if c.got[""] == 0 || c.got[""]+c.got[wamp.ErrNoAvailableCallee] != calls {
		t.Fatalf("answers %v", c.got)
	}
}

// A caller that does not read its results: past the hard limit it is
// closed with ReasonQueueOverflow and its pending calls are interrupted.
func TestSlowCaller(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDisconnect, &logs)
	callee := join(t, r)
	register(t, callee, "echo", echo, nil)
	interrupted := make(chan struct{})
	started := make(chan struct{})
	register(t, callee, "block", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		close(started)
		<-ctx.Done()
		close(interrupted)
		return nil, ctx.Err()
	}, nil)
	cli, g := attachGated(t, r)
	defer cli.Close()
	ctx := ctxT(t)
	cli.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
	w, err := cli.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := w.(*wamp.Welcome).Session
	g.shut()
	cli.Send(ctx, &wamp.Call{Request: 1, Procedure: "block"})
	<-started
	big := wamp.List{strings.Repeat("z", 1000)}
	for i := wamp.ID(2); ; i++ {
		if _, ok := r.Session(realm1, id); !ok {
			break
		}
		if info, _ := r.Session(realm1, id); info.Queued > 2*softLimit+1100 {
			t.Fatalf("caller queue at %d octets, hard limit %d", info.Queued, 2*softLimit)
		}
		if cli.Send(ctx, &wamp.Call{Request: i, Procedure: "echo", Args: big}) != nil {
			break
		}
	}
	<-interrupted
	waitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), string(router.ReasonQueueOverflow)) })
	g.open()
}

// A subscriber that stops reading is disconnected under SlowDisconnect,
// with the reason logged; the publisher and other subscribers go on.
func TestSlowSubscriberDisconnect(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDisconnect, &logs)
	slowCli, g := attachGated(t, r)
	slow := joinOver(t, slowCli)
	subscribe(t, slow, "news", nil)
	good := join(t, r)
	_, goodCh := subscribe(t, good, "news", nil)
	pub := join(t, r)
	g.shut()
	big := wamp.List{strings.Repeat("n", 500)}
	n := 0
	for ; ; n++ {
		if _, ok := r.Session(realm1, slow.ID()); !ok {
			break
		}
		if n > 1000 {
			t.Fatal("slow subscriber never disconnected")
		}
		publish(t, pub, "news", big, nil)
		next(t, goodCh)
	}
	t.Logf("disconnected after %d events of ~500 octets (soft limit %d)", n, softLimit)
	if !strings.Contains(logs.String(), "reason="+string(router.ReasonQueueOverflow)) {
		t.Fatalf("log has no reason: %s", logs.String())
	}
	g.open()
	<-slow.Done()
	publish(t, pub, "news", big, nil)
	next(t, goodCh)
}

// Under SlowDrop the subscriber stays; the dropped events are counted.
func TestSlowSubscriberDrop(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDrop, &logs)
	slowCli, g := attachGated(t, r)
	slow := joinOver(t, slowCli)
	_, ch := subscribe(t, slow, "news", nil)
	pub := join(t, r)
	g.shut()
	const events = 200
	for i := range events {
		publish(t, pub, "news", wamp.List{int64(i), strings.Repeat("d", 500)}, nil)
	}
	info, ok := r.Session(realm1, slow.ID())
	if !ok || info.Dropped == 0 || info.Queued > softLimit+600 {
		t.Fatalf("slow subscriber: %+v %v", info, ok)
	}
	g.open()
	publish(t, pub, "news", wamp.List{int64(events), "last"}, nil)
	received, last := 0, int64(-1)
	for last != events {
		e := next(t, ch)
		k, _ := wamp.AsInt64(e.Args[0])
		if k <= last {
			t.Fatalf("event %d after %d", k, last)
		}
		last = k
		received++
	}
	if uint64(received)+info.Dropped != events+1 {
		t.Fatalf("received %d + dropped %d != %d", received, info.Dropped, events+1)
	}
	if st := r.Stats(); st.EventsDropped != info.Dropped {
		t.Fatalf("Stats().EventsDropped = %d, the session's Dropped %d", st.EventsDropped, info.Dropped)
	}
	if !strings.Contains(logs.String(), "dropping events") {
		t.Fatal("drops not logged")
	}
}

// The router's memory stays bounded with a subscriber that reads nothing:
// 20 MB of events published, the heap does not grow by much.
func TestSlowSubscriberMemory(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDrop, &logs)
	slowCli, g := attachGated(t, r)
	slow := joinOver(t, slowCli)
	subscribe(t, slow, "news", nil)
	pub := join(t, r)
	g.shut()
	defer g.open()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const events = 20000
	ctx := ctxT(t)
	for i := range events {
		payload := strings.Repeat("m", 1000) // a new one each time: queued events would keep theirs
		if err := pub.Publish(ctx, "news", wamp.List{int64(i), payload}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, pub, "news", nil, nil) // a round trip: the publishes above are handled
	runtime.GC()
	runtime.ReadMemStats(&after)
	info, _ := r.Session(realm1, slow.ID())
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d events of 1 kB to a subscriber that reads nothing: heap grew by %d octets, queue %d octets, %d dropped",
		events, grew, info.Queued, info.Dropped)
	if grew > 4<<20 || info.Dropped < events-100 {
		t.Fatalf("heap grew by %d octets; %d dropped", grew, info.Dropped)
	}
}
