package websocket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
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

// closeWatch wraps a LoopServer: it counts the messages the loop handed
// it and reports how the (first) connection ended.
type closeWatch struct {
	*websocket.LoopServer
	msgs  atomic.Int64
	ended chan bool // wasClean of OnClose
}

func (w *closeWatch) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	w.LoopServer.OnMessage(c, op, p)
	w.msgs.Add(1)
}

func (w *closeWatch) OnClose(c *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	w.LoopServer.OnClose(c, wasClean, code, reason)
	select {
	case w.ended <- wasClean:
	default: // never hold up the loop
	}
}

// TestReview14CloseWhileInboxPauses: a session that closes its Conn while
// the peer still sends must finish the closing handshake. After Close,
// Recv takes nothing more, so the messages that still arrive (they may,
// until the peer reads the close frame) fill the inbox, which paused
// reading for good: the peer's answer to the close frame was never read,
// and the connection ended only when the close timeout dropped it,
// uncleanly.
func TestReview14CloseWhileInboxPauses(t *testing.T) {
	opts := websocket.Options{Serializers: all, InboxMessages: 8, WS: &ws.Options{PingInterval: -1}}
	closed := make(chan struct{})
	h := websocket.LoopHandler(opts, func(c *websocket.Conn) {
		_ = c.Close() // before the peer sends anything
		close(closed)
	})
	w := &closeWatch{LoopServer: h, ended: make(chan bool, 1)}
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: w, Options: opts.WS, Config: eventloop.Config{Loops: 1}})
	t.Cleanup(func() {
		_ = stop()
		_ = h.Wait(ctxT(t))
	})
	ctx := ctxT(t)
	peer, err := ws.Dial(ctx, "ws://"+addr.String()+"/ws", &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.CloseNow()
	<-closed
	// The peer has not read the close frame yet: it still sends, more
	// than the quarter of InboxMessages that pauses reading.
	b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t"})
	const n = 6
	for range n {
		if err := peer.WriteMessage(ctx, ws.OpText, b); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "the messages sent after Close to reach the server", func() bool { return w.msgs.Load() == n })
	// Now the peer reads the close frame and answers it.
	answerClose(ctx, t, peer, w)
}

// TestReview14PauseResumeOrder: a peer that sends messages of mixed sizes
// (a few octets to several read buffers, so frames are cut by reads and a
// pause may come mid-frame) to a DialLoop client whose Recv decodes slower
// than the peer sends, through many pause and resume cycles of a small inbox: every
// message arrives once, intact and in order.
func TestReview14PauseResumeOrder(t *testing.T) {
	const n = 900
	sizes := []int{1, 40, 1000, 100 << 10, 7, 70 << 10, 3000, 2, 5}
	payload := func(i int) string {
		return strings.Repeat(string(rune('a'+i%26)), sizes[i%len(sizes)])
	}
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		for i := range n {
			b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Result{Request: wamp.ID(i + 1), Details: wamp.Dict{}, Args: wamp.List{payload(i)}})
			if err := c.WriteMessage(context.Background(), ws.OpText, b); err != nil {
				return
			}
		}
		c.ReadMessage(context.Background())
	})
	// Bounds that hold what one read (64 KiB) can add after a pause:
	// pauses come often, overflow never.
	opts := websocket.Options{Serializers: all, InboxMessages: 400, InboxBytes: 1 << 20, WS: &ws.Options{PingInterval: -1}}
	c := dialLoop(t, url, opts)
	ctx := ctxT(t)
	for i := range n {
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		r, ok := m.(*wamp.Result)
		if !ok || r.Request != wamp.ID(i+1) || len(r.Args) != 1 || r.Args[0] != payload(i) {
			t.Fatalf("message %d: got request %v", i, m)
		}
	}
}

// TestReview14ReceiverPauseAfterClose: PauseRead on a LoopReceiver
// connection that was closed (a goroutine that holds a peer back while
// its destination is full, say, and the session ended meanwhile) must not
// stop the loop reading the peer's answer to the close frame: the
// connection ended only when the close timeout dropped it, uncleanly.
func TestReview14ReceiverPauseAfterClose(t *testing.T) {
	r := newReceiver(nil)
	r.opened = make(chan *websocket.Conn, 1)
	opts := websocket.Options{Serializers: all, WS: &ws.Options{PingInterval: -1}}
	w := &closeWatch{LoopServer: websocket.LoopReceiver(opts, r), ended: make(chan bool, 1)}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: w, Options: opts.WS, Config: eventloop.Config{Loops: 1}})
	ctx := ctxT(t)
	peer, err := ws.Dial(ctx, "ws://"+addr.String()+"/ws", &ws.Options{Subprotocols: []string{"wamp.2.json"}, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.CloseNow()
	sc := <-r.opened
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	sc.PauseRead()
	answerClose(ctx, t, peer, w)
}

// TestReview14LoopSendConcurrentWaits: Send on the event loop waits for
// room, so concurrent Sends to a peer that reads more slowly than they
// send all succeed. Each used to pass WaitWritable with the same room and
// then race for it: a loser's WriteMessage found more than the output
// bound pending, and Send returned ws.ErrQueueFull.
func TestReview14LoopSendConcurrentWaits(t *testing.T) {
	const senders, each, high = 8, 100, 32 << 10 // 24 MiB: past the kernel's buffers
	pad := strings.Repeat("x", 30<<10)           // two such messages pass the high watermark
	got := make(chan error, 1)
	start := make(chan struct{})
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		<-start // reads nothing until the senders wait for room
		for i := range senders * each {
			if _, _, err := c.ReadMessage(context.Background()); err != nil {
				got <- fmt.Errorf("message %d: %w", i, err)
				return
			}
		}
		got <- nil
		c.ReadMessage(context.Background())
	})
	release := sync.OnceFunc(func() { close(start) })
	t.Cleanup(release) // before rawServer's, which waits for the peer
	opts := websocket.Options{Serializers: all, WS: &ws.Options{PingInterval: -1}}
	cl := &wsloop.Client{Options: opts.WSOptions(), Config: eventloop.Config{Loops: 1, WriteHighWatermark: high}}
	t.Cleanup(func() { cl.Close() })
	// A bound on a hang, not on speed: 24 MiB through a loop under -race
	// took past ctxT's 10 s on a loaded machine (2 cores, load 19).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := websocket.DialLoop(ctx, cl, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				m := &wamp.Publish{Request: wamp.ID(g*each + i + 1), Options: wamp.Dict{}, Topic: "t", Args: wamp.List{pad}}
				if err := c.Send(ctx, m); err != nil {
					t.Errorf("sender %d, message %d: %v", g, i, err)
					return
				}
			}
		})
	}
	// Past the high watermark the senders wait; the peer then reads, and
	// the loop wakes them at the low watermark. (The peer starts once the
	// kernel's buffers are full and output waits: past the low watermark,
	// not the high one, which the output may never pass again once every
	// sender waits for the low one.)
	poll(t, "output to wait past the low watermark", func() bool { return c.WS().Pending() > high/4 })
	release()
	wg.Wait()
	if t.Failed() {
		return
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// TestReview14PeerCloseBehindPause: a peer that closes after sending far
// more than the inbox holds, to a session that does not Recv for a while:
// its close frame waits behind the paused input, and once Recv runs, every
// message comes, in order, then the peer's close (clean, with its code).
func TestReview14PeerCloseBehindPause(t *testing.T) {
	const n, size = 20000, 1 << 10 // 20 MiB: past the inbox's quarter and the kernel's buffers
	sent := new(atomic.Int64)
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		pad := strings.Repeat("x", size)
		for i := range n {
			b, _ := json.Serializer{}.AppendMessage(nil, &wamp.Result{Request: wamp.ID(i + 1), Details: wamp.Dict{}, Args: wamp.List{pad}})
			if err := c.WriteMessage(context.Background(), ws.OpText, b); err != nil {
				return
			}
			sent.Add(1)
		}
		c.Close(ws.StatusGoingAway, "bye")
	})
	c := dialLoop(t, url, websocket.Options{Serializers: all, InboxBytes: 4 << 20, WS: &ws.Options{PingInterval: -1}})
	never := make(chan error) // the peer's end is not awaited: the close is
	waitHeldBack(t, sent, never)
	// A bound on a hang, not on speed: 20 MiB under -race took past
	// ctxT's 10 s on a loaded machine (2 cores, load 19).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range n {
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if r, ok := m.(*wamp.Result); !ok || r.Request != wamp.ID(i+1) {
			t.Fatalf("message %d: %v", i, m)
		}
	}
	_, err := c.Recv(ctx)
	var ce *ws.CloseError
	if !errors.Is(err, io.EOF) || !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || !ce.WasClean {
		t.Fatalf("Recv after the messages: %v", err)
	}
}

// answerClose has peer read the server's close frame (1000), which
// answers it, and waits for the server's connection to end cleanly.
func answerClose(ctx context.Context, t *testing.T, peer *ws.Conn, w *closeWatch) {
	t.Helper()
	var ce *ws.CloseError
	if _, _, err := peer.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusNormalClosure {
		t.Fatalf("peer: %v", err)
	}
	select {
	case clean := <-w.ended:
		if !clean {
			t.Fatal("the server's connection ended without a clean closing handshake: it never read the peer's answer")
		}
	case <-ctx.Done():
		t.Fatal("the server's connection did not end")
	}
}
