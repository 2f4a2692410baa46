package rawsocket_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// gatedConn counts Writes and, while hold is set, makes each Write wait
// until release is closed.
type gatedConn struct {
	net.Conn
	writes  atomic.Int64
	hold    atomic.Bool
	entered chan struct{} // receives once per held Write
	release chan struct{}
}

func (g *gatedConn) Write(p []byte) (int, error) {
	g.writes.Add(1)
	if g.hold.Load() {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.Conn.Write(p)
}

// gatedPair returns a client Conn over a gatedConn and the server Conn.
func gatedPair(t *testing.T, opts rawsocket.Options) (*rawsocket.Conn, *rawsocket.Conn, *gatedConn) {
	t.Helper()
	a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: all})
	g := &gatedConn{Conn: a, entered: make(chan struct{}, 1), release: make(chan struct{})}
	opts.Serializer = json.Serializer{}
	c, err := rawsocket.Client(ctxT(t), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-sc:
		t.Cleanup(func() { c.Close(); s.Close() })
		return c, s, g
	case err := <-ec:
		t.Fatal(err)
	}
	return nil, nil, nil
}

func publish(i int) *wamp.Publish {
	return &wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{}, Topic: "com.batch", Args: wamp.List{int64(i)}}
}

// TestSendBatches: a Send with no write under way writes its frame
// itself; frames queued while that Write is under way leave together in
// the next Write, in order, and their Sends do not wait for it.
func TestSendBatches(t *testing.T) {
	c, s, g := gatedPair(t, rawsocket.Options{})
	g.writes.Store(0)
	g.hold.Store(true)
	ctx := ctxT(t)
	first := make(chan error, 1)
	go func() { first <- c.Send(ctx, publish(0)) }() // writes itself: no write under way
	<-g.entered                                      // that Send is inside its Write
	g.hold.Store(false)
	const n = 50
	for i := 1; i <= n; i++ {
		if err := c.Send(ctx, publish(i)); err != nil { // queued, not written: no blocking
			t.Fatal(err)
		}
	}
	close(g.release)
	for i := 0; i <= n; i++ {
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := m.(*wamp.Publish); !ok || p.Request != wamp.ID(i+1) {
			t.Fatalf("message %d: got %#v", i, m)
		}
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if w := g.writes.Load(); w != 2 {
		t.Fatalf("%d messages took %d writes, want 2 (one, then the %d queued meanwhile)", n+1, w, n)
	}
}

// TestSendConcurrent: many goroutines sending at once; every message
// arrives, each sender's in order, and they share writes.
func TestSendConcurrent(t *testing.T) {
	c, s, g := gatedPair(t, rawsocket.Options{})
	g.writes.Store(0)
	const senders, each = 16, 200
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for k := range senders {
		wg.Go(func() {
			for i := range each {
				if err := c.Send(ctx, &wamp.Publish{Request: wamp.ID(k*each + i + 1), Options: wamp.Dict{}, Topic: "t"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id := int(m.(*wamp.Publish).Request) - 1
		k, i := id/each, id%each
		if i != next[k] {
			t.Fatalf("sender %d: message %d arrived before %d", k, i, next[k])
		}
		next[k]++
	}
	wg.Wait()
	t.Logf("%d messages in %d writes", senders*each, g.writes.Load())
}

// TestSendQueueLimit: over WriteQueue octets queued, Send waits within
// its ctx, and the connection stays usable afterwards.
func TestSendQueueLimit(t *testing.T) {
	c, s, g := gatedPair(t, rawsocket.Options{WriteQueue: 4096})
	g.hold.Store(true)
	first := make(chan error, 1)
	go func() { first <- c.Send(context.Background(), publish(0)) }()
	<-g.entered // a write is under way and held: what follows queues
	g.hold.Store(false)
	big := &wamp.Publish{Request: 2, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 1000)}}
	accepted := 0
	for {
		err := sendUntilWaiting(t, c, big)
		if errors.Is(err, context.Canceled) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if accepted++; accepted > 100 {
			t.Fatal("Send never waited with a full queue")
		}
	}
	if accepted < 4 || accepted > 6 {
		t.Fatalf("%d messages of 1000 octets accepted with a 4096-octet queue", accepted)
	}
	last := make(chan error, 1)
	go func() { last <- c.Send(context.Background(), publish(99)) }() // waits for room
	close(g.release)
	ctx := ctxT(t)
	for i := range accepted + 2 {
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := wamp.ID(2)
		switch i {
		case 0:
			want = 1
		case accepted + 1:
			want = 100
		}
		if p, ok := m.(*wamp.Publish); !ok || p.Request != want {
			t.Fatalf("message %d: %#v, want request %d", i, m, want)
		}
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-last; err != nil {
		t.Fatal(err)
	}
}

// sendUntilWaiting sends m from a goroutine with a ctx that it cancels
// once the Send waits for room in the write queue, and returns the Send's
// error: nil for a message accepted, context.Canceled for one that waited.
// (A ctx with a short timeout would do, but a slow machine may let it end
// before the Send even looks at the queue.)
func sendUntilWaiting(t *testing.T, c *rawsocket.Conn, m wamp.Message) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Send(ctx, m) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			return err
		default:
		}
		if waitingForRoom() {
			cancel()
			return <-done
		}
		if time.Now().After(deadline) {
			t.Fatal("a Send neither returned nor waited for room in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitingForRoom reports whether a goroutine waits for room in a write
// queue: blocked in a select in coalesce.(*Queue).Add itself (a Send
// writing is blocked deeper, in its Write).
func waitingForRoom() bool {
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		head, frames, _ := strings.Cut(g, "\n")
		top, _, _ := strings.Cut(frames, "\n")
		if strings.Contains(head, "[select") && strings.Contains(top, "coalesce.(*Queue).Add(") {
			return true
		}
	}
	return false
}

// TestSendContextDuringWrite: a Send whose ctx ends while its own write
// is under way (a write that may carry other Sends' messages) waits for
// that write, which WriteTimeout bounds, instead of abandoning it: the
// message arrives and the connection goes on.
func TestSendContextDuringWrite(t *testing.T) {
	c, s, g := gatedPair(t, rawsocket.Options{})
	g.hold.Store(true)
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 1000)}}
	sent := make(chan error, 1)
	var ctx context.Context
	for ctx == nil {
		sctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		go func() { sent <- c.Send(sctx, big) }()
		select {
		case <-g.entered: // the Send is inside its write
			ctx = sctx
		case err := <-sent:
			// Its ctx ended before it began (Send checks it first, and a
			// slow machine may take 50 ms to get there): nothing was
			// queued, try again.
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Send before its write: %v", err)
			}
		}
	}
	<-ctx.Done()
	received := make(chan error, 1)
	go func() {
		m, err := s.Recv(ctxT(t))
		if err == nil && m.Type() != wamp.TypePublish {
			err = errors.New("not the PUBLISH")
		}
		received <- err
	}()
	g.hold.Store(false)
	close(g.release)
	if err := <-sent; err != nil {
		t.Fatalf("Send: %v, want its write to finish", err)
	}
	if err := <-received; err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if err := c.Send(ctxT(t), publish(1)); err != nil {
		t.Fatalf("a later Send: %v", err)
	}
}

// TestCloseFlushes: a message sent just before Close is delivered.
func TestCloseFlushes(t *testing.T) {
	c, s, _ := gatedPair(t, rawsocket.Options{})
	got := make(chan wamp.Message, 1)
	go func() {
		m, _ := s.Recv(context.Background())
		got <- m
	}()
	if err := c.Send(ctxT(t), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if m := <-got; m == nil || m.Type() != wamp.TypeGoodbye {
		t.Fatalf("got %#v, want the GOODBYE sent before Close", m)
	}
	if err := c.Send(ctxT(t), publish(1)); !errors.Is(err, rawsocket.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}

// TestWriteTimeout: a peer that reads nothing loses the connection after
// WriteTimeout, and later Sends say why.
func TestWriteTimeout(t *testing.T) {
	c, _, _ := gatedPair(t, rawsocket.Options{WriteTimeout: 50 * time.Millisecond})
	// Nobody reads the other end: this Send's own write times out.
	var ne net.Error
	if err := c.Send(ctxT(t), publish(0)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Send to a peer that reads nothing: %v, want a timeout", err)
	}
	if _, err := c.Recv(ctxT(t)); err == nil {
		t.Fatal("Recv succeeded on a connection whose write timed out")
	}
	var err error
	for range 100 {
		if err = c.Send(ctxT(t), publish(1)); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Send after the timed-out write: %v, want the timeout", err)
	}
}
