package websocket_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// TestSendOrder: 16 goroutines send 200 messages each through one Conn
// to an echo server (whose Sends are queued too); every message comes
// back, and each sender's in the order it sent them.
func TestSendOrder(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all, Batched: true}, echo)
	for _, s := range []wamp.Serializer{cbor.Serializer{}, json.Serializer{}} {
		for _, batched := range []bool{false, true} {
			t.Run(websocket.Subprotocol(s, batched), func(t *testing.T) {
				c := dial(t, srv.url(), websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched})
				concurrentSend(t, c, 16, 200)
			})
		}
	}
}

// TestSendBeforeClose: a message sent just before Close still leaves.
func TestSendBeforeClose(t *testing.T) {
	got := make(chan string, 8)
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		_, p, err := c.ReadMessage(context.Background())
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(p)
	})
	for range 5 {
		c := dial(t, url, websocket.Options{Serializers: all})
		if err := c.Send(ctxT(t), &wamp.Goodbye{Details: wamp.Dict{}, Reason: "wamp.close.normal"}); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			if !strings.Contains(p, "wamp.close.normal") {
				t.Fatalf("server read %q", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the message did not arrive")
		}
	}
}

// stalledServer returns the URL of a server that reads nothing until the
// test ends.
func stalledServer(t *testing.T) string {
	release := make(chan struct{})
	url := rawServer(t, []string{"wamp.2.cbor"}, func(*ws.Conn) { <-release })
	t.Cleanup(func() { close(release) })
	return url
}

// bigPublish is a message of about 64 KiB.
func bigPublish() *wamp.Publish {
	return &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{make([]byte, 64<<10)}}
}

// TestSendQueueLimit: to a peer that reads nothing, Send eventually waits:
// for room once a write under way is stuck and the queue is full, until
// its ctx's deadline, or in its own write once the socket buffers are
// full, until WriteTimeout (a Send's ctx never cuts a write, which may
// carry other Sends' messages); Close does not wait for a stuck writer for
// long.
func TestSendQueueLimit(t *testing.T) {
	c := dial(t, stalledServer(t), websocket.Options{Serializers: all, WriteQueue: 256 << 10, WriteTimeout: time.Second})
	m := bigPublish()
	filler := make(chan struct{})
	go func() { // becomes the stuck writer, or queues behind it
		defer close(filler)
		for c.Send(context.Background(), m) == nil {
		}
	}()
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err = c.Send(ctx, m)
		cancel()
	}
	var ne net.Error
	if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("Send: %v", err)
	}
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if err := c.Send(context.Background(), m); !errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	<-filler
}

// TestSendWriteError: a write that times out is returned by a later Send,
// including one waiting for room in the queue.
func TestSendWriteError(t *testing.T) {
	c := dial(t, stalledServer(t), websocket.Options{Serializers: all, WriteTimeout: 200 * time.Millisecond})
	m := bigPublish()
	ctx := ctxT(t)
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = c.Send(ctx, m)
	}
	if err == nil || ctx.Err() != nil || errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("Send: %v", err)
	}
	if err2 := c.Send(ctx, m); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("next Send: %v, want %v", err2, err)
	}
	if _, err := c.Recv(ctx); err == nil {
		t.Fatal("Recv after a failed write")
	}
}

// TestSendWriterExits: once the queue is empty the writer goroutine is
// gone; an idle connection holds none.
func TestSendWriterExits(t *testing.T) {
	srv := startServer(t, false, websocket.Options{Serializers: all}, echo)
	c := dial(t, srv.url(), websocket.Options{Serializers: all})
	ctx := ctxT(t)
	for range 100 {
		if err := c.Send(ctx, &wamp.Published{Request: 1, Publication: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		if _, err := c.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "coalesce.(*Queue).writeLoop") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a writer goroutine outlives the queue:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkBurst: bursts of 64 CALLs to an echo server, then their 64
// answers, as a client with many calls in flight does; time and
// allocations per message (both ends).
func BenchmarkBurst(b *testing.B) {
	const burst = 64
	for _, s := range []wamp.Serializer{json.Serializer{}, cbor.Serializer{}} {
		b.Run(websocket.Subprotocol(s, false), func(b *testing.B) {
			var wg sync.WaitGroup
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				wg.Add(1)
				defer wg.Done()
				c, err := websocket.Accept(w, r, websocket.Options{Serializers: all})
				if err != nil {
					return
				}
				defer c.Close()
				echo(c)
			}))
			defer func() { srv.Close(); wg.Wait() }()
			ctx := context.Background()
			c, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), websocket.Options{Serializers: []wamp.Serializer{s}})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.bench.echo", Args: wamp.List{int64(1), "hello"}}
			b.ReportAllocs()
			for b.Loop() {
				for range burst {
					if err := c.Send(ctx, m); err != nil {
						b.Fatal(err)
					}
				}
				for range burst {
					if _, err := c.Recv(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/msg")
		})
	}
}
