package natsfabric_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Every call across routers is answered, while one of the two callee
// routers crashes in the middle: callers on A and B call a shared
// registration whose callees are on B and C; from call 50 on, C's callee
// holds its calls, and once it holds one of every caller C's NATS
// connection is cut. Each call ends with a RESULT or an ERROR
// (wamp.error.canceled for those in flight to C), none waits for its
// context; the calls after the crash are answered by B.
func TestCallsAnsweredThroughCrash(t *testing.T) {
	a, b, c := clusterWith(t, crashOpts)
	const holdFrom = 50
	held := make(chan struct{}, 16)
	release := make(chan struct{})
	defer close(release)
	rr := &client.RegisterOptions{Invoke: router.InvokeRoundRobin}
	for _, n := range []struct {
		node *node
		name string
	}{{b, "b"}, {c, "c"}} {
		s := n.node.join(t)
		if _, err := s.Register(ctxT(t), "com.example.work", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			if i, _ := wamp.AsInt64(inv.Args[0]); n.name == "c" && i >= holdFrom {
				held <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return &client.Result{Args: wamp.List{n.name, inv.Args[0]}}, nil
		}, rr); err != nil {
			t.Fatal(err)
		}
	}
	callers := []*client.Session{a.join(t), a.join(t), b.join(t)}
	// Both callees known on A (B knows C's) before the traffic starts.
	for _, s := range callers {
		seen := map[any]bool{}
		for len(seen) < 2 {
			res, err := callWhenRegistered(t, s, "com.example.work", wamp.List{0}, nil)
			if err != nil {
				t.Fatal(err)
			}
			seen[res.Args[0]] = true
		}
	}

	const perCaller = 150
	var results, errs atomic.Int64
	var wg sync.WaitGroup
	go func() {
		for range callers {
			<-held
		}
		c.nc.Close() // the crash
	}()
	failures := make(chan error, len(callers)*perCaller)
	for _, s := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perCaller {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				res, err := s.Call(ctx, "com.example.work", wamp.List{int64(i)}, nil, nil)
				cancel()
				switch uri := errorURI(err); {
				case err == nil:
					if len(res.Args) != 2 || res.Args[1] != int64(i) {
						failures <- &client.Error{URI: "test.wrong_result", Args: res.Args}
					}
					results.Add(1)
				case uri == wamp.ErrCanceled || uri == wamp.ErrUnavailable || uri == wamp.ErrNoAvailableCallee:
					errs.Add(1)
				default:
					failures <- err // a context deadline: a call left without an answer
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	t.Logf("%d results, %d errors", results.Load(), errs.Load())
	if errs.Load() < int64(len(callers)) {
		t.Errorf("%d errors, want at least the %d calls held by C when it crashed", errs.Load(), len(callers))
	}
	if results.Load() < int64(len(callers)*(perCaller-holdFrom-1)) {
		t.Errorf("%d results: B did not take over after the crash", results.Load())
	}
}
