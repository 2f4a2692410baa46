package client_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// registerScripted registers h on s, answering the REGISTER as the router r.
func registerScripted(t *testing.T, s *client.Session, r *memTransport, h client.Handler) wamp.ID {
	t.Helper()
	go func() {
		m, err := r.Recv(context.Background())
		if err != nil {
			return
		}
		reg := m.(*wamp.Register)
		r.Send(context.Background(), &wamp.Registered{Request: reg.Request, Registration: 7})
	}()
	if _, err := s.Register(ctxT(t), "com.h", h, nil); err != nil {
		t.Fatal(err)
	}
	return 7
}

// goroutineID is the number in the first line of the running goroutine's
// stack ("goroutine 12 [running]:").
func goroutineID() string {
	var b [64]byte
	n := runtime.Stack(b[:], false)
	f := bytes.Fields(b[:n])
	return string(f[1])
}

// invokers counts the goroutines that run or wait for invocations, and
// of those the ones that wait.
func invokers() (all, waiting int) {
	b := make([]byte, 1<<20)
	for _, g := range strings.Split(string(b[:runtime.Stack(b, true)]), "\n\n") {
		if strings.Contains(g, "client.(*Session).invoker(") {
			all++
			if strings.Contains(g, " [select") {
				waiting++
			}
		}
	}
	return all, waiting
}

// TestInvokerReused: invocations one after another run on one goroutine,
// not a new goroutine each.
func TestInvokerReused(t *testing.T) {
	s, r := scriptedJoin(t)
	ids := make(chan string, 1)
	reg := registerScripted(t, s, r, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		ids <- goroutineID()
		return &client.Result{Args: inv.Args}, nil
	})
	first := ""
	for i := range 20 {
		// The last reply leaves before its goroutine waits for more: let it
		// get there, or the next invocation rightly starts another.
		waitFor(t, func() bool { _, w := invokers(); return i == 0 || w == 1 }, "an idle invoker")
		if err := r.Send(ctxT(t), &wamp.Invocation{Request: wamp.ID(100 + i), Registration: reg, Details: wamp.Dict{}, Args: wamp.List{int64(i)}}); err != nil {
			t.Fatal(err)
		}
		id := <-ids
		m, err := r.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		y, ok := m.(*wamp.Yield)
		if !ok || y.Request != wamp.ID(100+i) || len(y.Args) != 1 {
			t.Fatalf("reply %d: %#v", i, m)
		}
		if first == "" {
			first = id
		} else if id != first {
			t.Fatalf("invocation %d ran on goroutine %s, the first on %s", i, id, first)
		}
	}
}

// TestInvokersConcurrentBounded: concurrent invocations each get a
// goroutine at once (no handler waits for another); once they are done,
// at most maxIdleInvokers (32) goroutines stay to wait for more, and none
// once the session ends.
func TestInvokersConcurrentBounded(t *testing.T) {
	const n = 48
	s, r := scriptedJoin(t)
	var running sync.WaitGroup
	running.Add(n)
	release := make(chan struct{})
	reg := registerScripted(t, s, r, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		running.Done()
		<-release
		return &client.Result{Args: inv.Args}, nil
	})
	for i := range n {
		if err := r.Send(ctxT(t), &wamp.Invocation{Request: wamp.ID(1 + i), Registration: reg, Details: wamp.Dict{}}); err != nil {
			t.Fatal(err)
		}
	}
	running.Wait() // all n handlers run at once
	close(release)
	seen := map[wamp.ID]bool{}
	for range n {
		m, err := r.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		seen[m.(*wamp.Yield).Request] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct replies, want %d", len(seen), n)
	}
	waitFor(t, func() bool { n, _ := invokers(); return n == 32 }, "32 idle invokers")
	s.Close()
	waitFor(t, func() bool { n, _ := invokers(); return n == 0 }, "no invokers after Close")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMaxConcurrentInvocations: with handlers that block, at most
// MaxConcurrentInvocations run at once and as many more wait; the router
// gets wamp.error.unavailable for the others, which start no goroutine;
// once the handlers return, the waiting invocations run and everything
// drains.
func TestMaxConcurrentInvocations(t *testing.T) {
	const max, extra = 4, 3
	s, r := scriptedJoinWith(t, client.JoinOptions{MaxConcurrentInvocations: max})
	var running, peak atomic.Int32
	release := make(chan struct{})
	reg := registerScripted(t, s, r, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		running.Add(-1)
		return &client.Result{Args: inv.Args}, nil
	})
	const total = 2*max + extra
	for i := range total {
		if err := r.Send(ctxT(t), &wamp.Invocation{Request: wamp.ID(1 + i), Registration: reg, Details: wamp.Dict{}}); err != nil {
			t.Fatal(err)
		}
	}
	// The invocations past the queue are refused at once.
	for range extra {
		m, err := r.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		e, ok := m.(*wamp.Error)
		if !ok || e.Error != wamp.ErrUnavailable || e.RequestType != wamp.TypeInvocation || e.Request <= 2*max {
			t.Fatalf("refusal: %#v", m)
		}
	}
	waitFor(t, func() bool { return running.Load() == max }, "max handlers running")
	if all, _ := invokers(); all > max {
		t.Fatalf("%d invoker goroutines for %d concurrent invocations", all, max)
	}
	if st := s.Stats(); st.RejectedInvocations != extra {
		t.Fatalf("Stats().RejectedInvocations = %d, want %d", st.RejectedInvocations, extra)
	}
	close(release)
	seen := map[wamp.ID]bool{}
	for range 2 * max {
		m, err := r.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		y, ok := m.(*wamp.Yield)
		if !ok {
			t.Fatalf("reply %#v", m)
		}
		seen[y.Request] = true
	}
	if len(seen) != 2*max || peak.Load() != max {
		t.Fatalf("%d distinct replies, peak %d handlers", len(seen), peak.Load())
	}
	s.Close()
	if err := s.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { n, _ := invokers(); return n == 0 }, "no invokers after Close")
}

// TestInterruptQueuedInvocation: INTERRUPT of an invocation that waits for
// a free handler slot answers it at once, and its handler never runs.
func TestInterruptQueuedInvocation(t *testing.T) {
	s, r := scriptedJoinWith(t, client.JoinOptions{MaxConcurrentInvocations: 1})
	release := make(chan struct{})
	var ran sync.Map
	reg := registerScripted(t, s, r, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		ran.Store(inv.Request, true)
		<-release
		return &client.Result{}, nil
	})
	for i := range 2 {
		if err := r.Send(ctxT(t), &wamp.Invocation{Request: wamp.ID(1 + i), Registration: reg, Details: wamp.Dict{}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Send(ctxT(t), &wamp.Interrupt{Request: 2, Options: wamp.Dict{"mode": "kill"}}); err != nil {
		t.Fatal(err)
	}
	m, err := r.Recv(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.(*wamp.Error); !ok || e.Request != 2 || e.Error != wamp.ErrCanceled {
		t.Fatalf("answer to the interrupted queued invocation: %#v", m)
	}
	close(release)
	if m, err := r.Recv(ctxT(t)); err != nil || m.(*wamp.Yield).Request != 1 {
		t.Fatalf("reply %#v, %v", m, err)
	}
	if _, ok := ran.Load(wamp.ID(2)); ok {
		t.Fatal("the interrupted queued invocation ran")
	}
}
