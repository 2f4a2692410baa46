package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// scriptedJoin joins over an in-memory transport whose router side the
// test drives itself (it gets the transport after WELCOME).
func scriptedJoin(t *testing.T) (*client.Session, *memTransport) {
	t.Helper()
	return scriptedJoinWith(t, client.JoinOptions{})
}

// scriptedJoinWith is scriptedJoin with JoinOptions.
func scriptedJoinWith(t *testing.T, opts client.JoinOptions) (*client.Session, *memTransport) {
	t.Helper()
	a, b := memPair()
	welcomed := make(chan error, 1)
	go func() {
		m, err := b.Recv(context.Background())
		if err == nil {
			if _, ok := m.(*wamp.Hello); !ok {
				err = errors.New("expected HELLO")
			} else {
				err = b.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": wamp.Dict{"dealer": wamp.Dict{}}}})
			}
		}
		welcomed <- err
	}()
	s, err := client.Join(ctxT(t), a, "realm1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-welcomed; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, b
}

// TestCallAnswersOutOfOrder: every Call gets the RESULT of its own request,
// when the router answers many concurrent calls in reverse order and
// answers canceled calls late (waiters are reused once answered).
func TestCallAnswersOutOfOrder(t *testing.T) {
	s, r := scriptedJoin(t)
	ctx := ctxT(t)
	const callers, rounds = 8, 50

	// The router: collect one CALL per caller, then answer in reverse
	// order, echoing the caller's argument; CALLs whose argument is
	// "late" are answered only after their CANCEL arrived.
	go func() {
		var batch []*wamp.Call
		late := map[wamp.ID]*wamp.Call{}
		for {
			m, err := r.Recv(context.Background())
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wamp.Call:
				if len(m.Args) == 1 && m.Args[0] == "late" {
					late[m.Request] = m
					continue
				}
				batch = append(batch, m)
			case *wamp.Cancel:
				if c := late[m.Request]; c != nil {
					delete(late, m.Request)
					r.Send(context.Background(), &wamp.Result{Request: c.Request, Details: wamp.Dict{}, Args: wamp.List{"late"}})
				}
			}
			if len(batch) == callers {
				for i := len(batch) - 1; i >= 0; i-- {
					c := batch[i]
					r.Send(context.Background(), &wamp.Result{Request: c.Request, Details: wamp.Dict{}, Args: c.Args})
				}
				batch = batch[:0]
			}
		}
	}()

	for round := range rounds {
		// One call that its caller gives up on; its answer comes later.
		cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		if _, err := s.Call(cctx, "com.echo", wamp.List{"late"}, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("round %d: canceled call: %v", round, err)
		}
		cancel()
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				want := int64(round*callers + i)
				res, err := s.Call(ctx, "com.echo", wamp.List{want}, nil, nil)
				if err != nil {
					t.Errorf("call %d: %v", want, err)
					return
				}
				if got, ok := wamp.AsInt64(res.Args[0]); len(res.Args) != 1 || !ok || got != want {
					t.Errorf("call %d got the answer %v", want, res.Args)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
	}
}
