package websocket_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// LoopReceiver's resources and flow control: no goroutine per session,
// SendNow never waits, PauseRead holds a peer back.

// TestReceiverGoroutines: a LoopReceiver server holds no goroutine per
// session. With 10, then 500 live sessions (each did a round trip; the
// clients are on a wsloop.Client, which holds none either) the process
// has the same goroutines, give or take a few; LoopHandler, measured the
// same way, has one more per session (which shows the measure works).
func TestReceiverGoroutines(t *testing.T) {
	if goroutineFallback {
		t.Skip("eventloop's goroutine fallback has a goroutine per connection by design")
	}
	const few, many, slack = 10, 500, 8
	hello, _ := json.Serializer{}.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
	stack := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.StackInuse
	}
	var s1, s2 uint64 // goroutine stacks in use with few and many sessions, for the log
	measure := func(t *testing.T, h *websocket.LoopServer) (g1, g2 int) {
		addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: &ws.Options{PingInterval: -1}, Config: eventloop.Config{Loops: 2}})
		cl := &wsloop.Client{Options: &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1}, Config: eventloop.Config{Loops: 1}}
		t.Cleanup(func() { cl.Close() })
		ch := &countingClient{}
		ctx := ctxT(t)
		open := func(n int) int {
			for int(ch.opened.Load()) < n {
				wc, err := cl.Dial(ctx, "ws://"+addr.String()+"/ws", ch)
				if err != nil {
					t.Fatal(err)
				}
				ch.opened.Add(1)
				if err := wc.WriteMessage(ctx, ws.OpText, hello); err != nil {
					t.Fatal(err)
				}
			}
			poll(t, fmt.Sprintf("%d echoes", n), func() bool { return ch.echoes.Load() == int64(n) })
			return runtime.NumGoroutine()
		}
		g1 = open(few)
		s1 = stack()
		g2 = open(many)
		s2 = stack()
		return g1, g2
	}
	var g1, g2 int
	t.Run("LoopReceiver", func(t *testing.T) {
		g1, g2 = measure(t, websocket.LoopReceiver(websocket.Options{Serializers: all}, newReceiver(nil)))
		// Goroutines of earlier tests may still be on their way out, and
		// a timer's may come and go: wait for the count to settle.
		poll(t, fmt.Sprintf("goroutines with %d sessions (%d) within %d of those with %d (%d)", many, g2, slack, few, g1), func() bool {
			g2 = runtime.NumGoroutine()
			return g2 <= g1+slack
		})
		t.Logf("goroutines: %d with %d sessions, %d with %d; stacks %d KiB, %d KiB", g1, few, g2, many, s1>>10, s2>>10)
	})
	t.Run("LoopHandler", func(t *testing.T) {
		h := websocket.LoopHandler(websocket.Options{Serializers: all}, echo)
		t.Cleanup(func() { h.Wait(context.Background()) })
		g1, g2 = measure(t, h)
		if g2 < g1+many-few {
			t.Fatalf("goroutines: %d with %d sessions, %d with %d: LoopHandler runs one per session", g1, few, g2, many)
		}
		t.Logf("goroutines: %d with %d sessions, %d with %d; stacks %d KiB, %d KiB", g1, few, g2, many, s1>>10, s2>>10)
	})
}

// countingClient counts its connections' echoes, on the client's loop.
type countingClient struct {
	ws.BaseHandler
	opened, echoes atomic.Int64
}

func (h *countingClient) OnMessage(_ *ws.Conn, _ ws.Opcode, _ []byte) { h.echoes.Add(1) }

// TestSendNowNeverWaits: SendNow in OnMessage, to a peer that reads
// nothing, queues up to the connection's bound and then fails with
// ws.ErrQueueFull, and the callback returns; the loop (there is one)
// goes on serving another connection. From a goroutine, SendNow fails
// the same way while Send waits for room, which comes once the peer reads.
func TestSendNowNeverWaits(t *testing.T) {
	const high = 64 << 10
	big := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{strings.Repeat("x", 16<<10)}}
	size, _ := json.Serializer{}.AppendMessage(nil, big)
	type flood struct {
		c   *websocket.Conn
		n   int
		err error
	}
	flooded := make(chan flood, 1)
	r := newReceiver(func(c *websocket.Conn, m wamp.Message) {
		if p, ok := m.(*wamp.Publish); ok && p.Topic == "flood" {
			f := flood{c: c}
			for ; f.err == nil && f.n < 1000; f.n++ {
				f.err = c.SendNow(big)
			}
			flooded <- f
			return
		}
		_ = c.SendNow(m)
	})
	opts := websocket.Options{Serializers: all, WS: &ws.Options{PingInterval: -1}}
	url, _ := startReceiver(t, opts, r, eventloop.Config{Loops: 1, WriteHighWatermark: high})
	ctx := ctxT(t)
	peer, err := ws.Dial(ctx, url, &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.CloseNow()
	b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "flood"})
	if err := peer.WriteMessage(ctx, ws.OpText, b); err != nil {
		t.Fatal(err)
	}
	var f flood
	select {
	case f = <-flooded:
	case <-ctx.Done():
		t.Fatal("the callback did not return: SendNow waited")
	}
	queued := (f.n - 1) * (len(size) + ws.MaxHeaderSize)
	if !errors.Is(f.err, ws.ErrQueueFull) || queued < high || queued > 2*high+len(size)+ws.MaxHeaderSize {
		t.Fatalf("SendNow: %v after %d messages (%d octets; bound %d)", f.err, f.n-1, queued, high)
	}
	t.Logf("ErrQueueFull after %d messages, %d octets", f.n-1, queued)

	// The loop is free: another connection's round trip.
	other := dial(t, url, websocket.Options{Serializers: all})
	echoed(t, ctx, other, &wamp.Published{Request: 7, Publication: 8})

	// From a goroutine: fill what the kernel takes too, then Send must wait.
	for attempt := 0; ; attempt++ {
		for i := 0; ; i++ {
			err := f.c.SendNow(big)
			if errors.Is(err, ws.ErrQueueFull) {
				break
			}
			if err != nil || i == 100000 {
				t.Fatalf("SendNow from a goroutine: %v after %d", err, i)
			}
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := f.c.Send(short, big)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil || attempt == 2000 { // nil: the kernel's buffers grew meanwhile (they reach several MB): fill again
			t.Fatalf("Send to a peer that reads nothing: %v", err)
		}
	}
	read := make(chan error, 1)
	go func() {
		for {
			if _, _, err := peer.ReadMessage(context.Background()); err != nil {
				read <- err
				return
			}
		}
	}()
	if err := f.c.Send(ctx, big); err != nil {
		t.Fatalf("Send once the peer reads: %v", err)
	}
	peer.CloseNow()
	<-read
	r.checkEchoErrors(t)
}

// TestReceiverSendNowConcurrent: SendNow from the loop (the echo) and from
// goroutines on one connection at the same time; every message arrives,
// each sender's in order.
func TestReceiverSendNowConcurrent(t *testing.T) {
	r := newReceiver(nil)
	r.opened = make(chan *websocket.Conn, 1)
	url, _ := startReceiver(t, websocket.Options{Serializers: all, Batched: true}, r, eventloop.Config{Loops: 1})
	c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true})
	sc := <-r.opened
	// Requests 1..: echoes of the client's messages, sent by the loop.
	// Publications: sent by goroutines on the server's side.
	const senders, each = 4, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if err := sc.SendNow(&wamp.Event{Subscription: wamp.ID(g + 1), Publication: wamp.ID(i + 1), Details: wamp.Dict{}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	ctx := ctxT(t)
	wg.Go(func() {
		for i := range each {
			if err := c.Send(ctx, &wamp.Published{Request: wamp.ID(i + 1), Publication: 1}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	next := make(map[wamp.ID]int)
	for range (senders + 1) * each {
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var from, seq wamp.ID
		switch m := m.(type) {
		case *wamp.Event:
			from, seq = m.Subscription, m.Publication
		case *wamp.Published:
			from, seq = 0, m.Request
		}
		if int(seq) != next[from]+1 {
			t.Fatalf("sender %d: %d after %d", from, seq, next[from])
		}
		next[from]++
	}
	wg.Wait()
	r.checkEchoErrors(t)
}

// TestReceiverPauseRead: a Receiver that pauses a connection holds its
// peer back (TCP), with no message lost; ResumeRead lets the rest in.
func TestReceiverPauseRead(t *testing.T) {
	const n, size = 20000, 1 << 10 // 20 MiB: past the kernel's buffers
	var got, disorder atomic.Int64
	r := newReceiver(func(c *websocket.Conn, m wamp.Message) {
		k := got.Add(1)
		if k == 1 {
			c.PauseRead()
		}
		if r, ok := m.(*wamp.Result); !ok || int64(r.Request) != k {
			disorder.Add(1)
		}
	})
	r.opened = make(chan *websocket.Conn, 1)
	url, _ := startReceiver(t, websocket.Options{Serializers: all, WS: &ws.Options{PingInterval: -1}}, r, eventloop.Config{Loops: 1})
	peer, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.CloseNow()
	sc := <-r.opened
	sent, flooded := floodResults(peer, n, size)
	waitHeldBack(t, sent, flooded)
	t.Logf("held back after %d messages sent, %d received", sent.Load(), got.Load())
	sc.ResumeRead()
	if err := <-flooded; err != nil {
		t.Fatal(err)
	}
	poll(t, "every message", func() bool { return got.Load() == n })
	if d := disorder.Load(); d != 0 {
		t.Fatalf("%d messages out of order", d)
	}
}
