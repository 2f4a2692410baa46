package router_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestCallReroute(t *testing.T) {
	unavailable := func(n *atomic.Int32) client.Handler {
		return func(context.Context, *client.Invocation) (*client.Result, error) {
			n.Add(1)
			return nil, &client.Error{URI: wamp.ErrUnavailable}
		}
	}
	answer := func(tag string, n *atomic.Int32) client.Handler {
		return func(context.Context, *client.Invocation) (*client.Result, error) {
			n.Add(1)
			return &client.Result{Args: wamp.List{tag}}, nil
		}
	}
	for _, tc := range []struct {
		policy string
		ok     []bool // per callee, in registration order: answers (else unavailable)
		want   string // the callee that answers, or "" for no_available_callee
	}{
		{router.InvokeRoundRobin, []bool{false, false, true}, "2"},
		{router.InvokeRoundRobin, []bool{false, false, false}, ""},
		{router.InvokeFirst, []bool{false, true, true}, "1"},
		{router.InvokeLast, []bool{true, true, false}, "1"},
		{router.InvokeRandom, []bool{false, true, false}, "1"},
		{router.InvokeSingle, []bool{false}, ""},
	} {
		t.Run(fmt.Sprint(tc.policy, tc.ok), func(t *testing.T) {
			r := newRouter(t, nil)
			caller := join(t, r)
			counts := make([]atomic.Int32, len(tc.ok))
			for i, ok := range tc.ok {
				h := unavailable(&counts[i])
				if ok {
					h = answer(fmt.Sprint(i), &counts[i])
				}
				register(t, join(t, r), "p", h, &client.RegisterOptions{Invoke: tc.policy})
			}
			calls := 3 * len(tc.ok)
			for range calls {
				res, err := caller.Call(ctxT(t), "p", nil, nil, nil)
				if tc.want == "" {
					if !isWampError(err, wamp.ErrNoAvailableCallee) {
						t.Fatalf("got %v %v, want %s", res, err, wamp.ErrNoAvailableCallee)
					}
					continue
				}
				if err != nil || res.Args[0] != tc.want {
					t.Fatalf("got %v %v, want callee %s", res, err, tc.want)
				}
			}
			if tc.want == "" {
				// Every callee was asked once per call.
				for i := range counts {
					if n := counts[i].Load(); int(n) != calls {
						t.Errorf("callee %d invoked %d times, want %d", i, n, calls)
					}
				}
			}
			if tc.policy == router.InvokeRoundRobin && tc.want != "" {
				// Each call starts at the next callee: 0 and 1 answer
				// unavailable once per call that reached them.
				if a, b := counts[0].Load(), counts[1].Load(); a == 0 || b == 0 || int(counts[2].Load()) != calls {
					t.Errorf("counts %d %d %d", a, b, counts[2].Load())
				}
			}
		})
	}
	t.Run("callee gone meanwhile", func(t *testing.T) {
		r := newRouter(t, nil)
		caller := join(t, r)
		started, release := make(chan struct{}), make(chan struct{})
		register(t, join(t, r), "p", func(context.Context, *client.Invocation) (*client.Result, error) {
			close(started)
			<-release
			return nil, &client.Error{URI: wamp.ErrUnavailable}
		}, &client.RegisterOptions{Invoke: router.InvokeFirst})
		second := join(t, r)
		register(t, second, "p", echo, &client.RegisterOptions{Invoke: router.InvokeFirst})
		var n atomic.Int32
		register(t, join(t, r), "p", answer("third", &n), &client.RegisterOptions{Invoke: router.InvokeFirst})
		done := make(chan error, 1)
		go func() {
			res, err := caller.Call(ctxT(t), "p", nil, nil, nil)
			if err == nil && res.Args[0] != "third" {
				err = fmt.Errorf("answered by %v", res.Args)
			}
			done <- err
		}()
		<-started
		before := r.SessionCount(realm1)
		second.Close()
		waitFor(t, "the second callee to leave", func() bool { return r.SessionCount(realm1) == before-1 })
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("timeout kept", func(t *testing.T) {
		// The first callee is timed by the dealer; the next one was
		// registered with forward_timeout and gets what is left.
		r := newRouter(t, nil)
		caller := join(t, r)
		register(t, join(t, r), "p", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
			if inv.Details["timeout"] != nil {
				return nil, &client.Error{URI: "test.forwarded"}
			}
			return nil, &client.Error{URI: wamp.ErrUnavailable}
		}, &client.RegisterOptions{Invoke: router.InvokeFirst})
		register(t, join(t, r), "p", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: wamp.List{inv.Details["timeout"]}}, nil
		}, &client.RegisterOptions{Invoke: router.InvokeFirst, Options: wamp.Dict{"forward_timeout": true}})
		res, err := caller.Call(ctxT(t), "p", nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(60_000)}})
		if err != nil {
			t.Fatal(err)
		}
		if ms, ok := wamp.AsInt64(res.Args[0]); !ok || ms <= 0 || ms > 60_000 {
			t.Fatalf("forwarded timeout %v", res.Args[0])
		}
	})
	t.Run("not after a progressive result", func(t *testing.T) {
		r := newRouter(t, nil)
		caller := join(t, r)
		register(t, join(t, r), "p", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			inv.SendProgress(ctx, wamp.List{"half"}, nil)
			return nil, &client.Error{URI: wamp.ErrUnavailable}
		}, &client.RegisterOptions{Invoke: router.InvokeFirst})
		var n atomic.Int32
		register(t, join(t, r), "p", answer("other", &n), &client.RegisterOptions{Invoke: router.InvokeFirst})
		_, err := caller.Call(ctxT(t), "p", nil, nil, &client.CallOptions{OnProgress: func(*wamp.Result) {}})
		if !isWampError(err, wamp.ErrUnavailable) || n.Load() != 0 {
			t.Fatalf("err = %v, other callee invoked %d times", err, n.Load())
		}
	})
	t.Run("busy client callee", func(t *testing.T) {
		// wamp/client answers wamp.error.unavailable when its invocation
		// queue is full: the dealer takes the call elsewhere.
		r := newRouter(t, nil)
		caller := join(t, r)
		busy, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{MaxConcurrentInvocations: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		started, release := make(chan struct{}, 2), make(chan struct{})
		register(t, busy, "p", func(context.Context, *client.Invocation) (*client.Result, error) {
			started <- struct{}{}
			<-release
			return &client.Result{Args: wamp.List{"busy"}}, nil
		}, &client.RegisterOptions{Invoke: router.InvokeFirst})
		var n atomic.Int32
		register(t, join(t, r), "p", answer("spare", &n), &client.RegisterOptions{Invoke: router.InvokeFirst})
		// One runs, one waits at the busy callee; the third is refused
		// there and rerouted, and answered while the others wait.
		results := make(chan string, 3)
		call := func() {
			res, err := caller.Call(ctxT(t), "p", nil, nil, nil)
			if err != nil {
				results <- err.Error()
				return
			}
			results <- fmt.Sprint(res.Args[0])
		}
		go call()
		<-started
		go call()
		go call()
		if got := <-results; got != "spare" {
			t.Fatalf("first answer %s, want the spare callee's", got)
		}
		if n := busy.Stats().RejectedInvocations; n != 1 {
			t.Fatalf("busy callee refused %d invocations", n)
		}
		close(release)
		for range 2 {
			if got := <-results; got != "busy" {
				t.Fatalf("got %s", got)
			}
		}
	})
}
