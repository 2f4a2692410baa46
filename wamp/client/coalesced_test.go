package client_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/internal/coalesce"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// coalescedTransport is the client end of an in-memory transport whose
// writes go through a coalesce.Queue, like RawSocket's and WebSocket's: a
// Send that finds no write under way writes what is queued, the others
// queue behind it. While hold is set, a write waits for release; a write
// whose ctx has ended by then fails, as a real one does when its deadline
// passes mid-write, and a failed write closes the connection.
type coalescedTransport struct {
	*memTransport
	q       coalesce.Queue
	hold    atomic.Bool
	entered chan struct{} // a held write started
	release chan struct{}
}

func newCoalesced(mem *memTransport) *coalescedTransport {
	c := &coalescedTransport{memTransport: mem, entered: make(chan struct{}, 1), release: make(chan struct{})}
	c.q.Init(1<<20, c.write, func(error) { c.Close() }, mem.closed, errors.New("closed"))
	return c
}

func (c *coalescedTransport) Send(ctx context.Context, m wamp.Message) error {
	return c.q.Add(ctx, func(b []byte) ([]byte, error) { return json.Serializer{}.AppendMessage(b, m) })
}

func (c *coalescedTransport) write(ctx context.Context, b []byte, ends []int) error {
	if c.hold.Load() {
		select {
		case c.entered <- struct{}{}:
		default:
		}
		select {
		case <-c.release:
		case <-c.closed:
			return errors.New("closed")
		}
		if err := ctx.Err(); err != nil {
			return err // the write's deadline passed while it was under way
		}
	}
	start := 0
	for _, end := range ends {
		msg := append([]byte(nil), b[start:end]...)
		start = end
		select {
		case c.out <- msg:
		case <-c.closed:
			return errors.New("closed")
		}
	}
	return nil
}

// TestCallTimeoutDuringSharedWrite: a call whose ctx ends while its Send
// leads a write that other calls' messages queue behind does not take the
// session down; every other call completes. (The leader's ctx used to bound
// the write: its end failed the write, closed the connection and lost the
// messages the other Sends had queued.)
func TestCallTimeoutDuringSharedWrite(t *testing.T) {
	a, r := memPair()
	ct := newCoalesced(a)
	routerDone := make(chan struct{})
	go func() { // the router: welcome, then answer every CALL
		defer close(routerDone)
		for {
			m, err := r.Recv(context.Background())
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wamp.Hello:
				r.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": routerRoles}})
			case *wamp.Call:
				r.Send(context.Background(), &wamp.Result{Request: m.Request, Details: wamp.Dict{}, Args: m.Args})
			}
		}
	}()
	t.Cleanup(func() { r.Close(); <-routerDone })
	s, err := client.Join(ctxT(t), ct, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := ctxT(t)

	ct.hold.Store(true)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	shortDone := make(chan error, 1)
	go func() {
		_, err := s.Call(short, "com.echo", wamp.List{"short"}, nil, nil)
		shortDone <- err
	}()
	within(t, ct.entered, 5*time.Second, "the short call's write")
	ct.hold.Store(false)
	const n = 20
	var wg sync.WaitGroup
	var queued sync.WaitGroup
	queued.Add(n)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			queued.Done()
			res, err := s.Call(ctx, "com.echo", wamp.List{int64(i)}, nil, nil)
			if err == nil {
				if got, _ := wamp.AsInt64(res.Args[0]); got != int64(i) {
					err = errors.New("wrong answer")
				}
			}
			errs <- err
		})
	}
	queued.Wait()
	<-short.Done() // the short call's ctx ends during its write
	close(ct.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call queued behind the short one: %v", err)
		}
	}
	if err := <-shortDone; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the short call: %v", err)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("session ended: %v", err)
	}
	if _, err := s.Call(ctx, "com.echo", wamp.List{"after"}, nil, nil); err != nil {
		t.Fatalf("a call afterwards: %v", err)
	}
}
