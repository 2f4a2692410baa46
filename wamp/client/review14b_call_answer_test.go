package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r14bRecv reads the client's next message of type T, skipping others.
func r14bRecv[T wamp.Message](t *testing.T, r *memTransport) T {
	t.Helper()
	for {
		m, err := r.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := m.(T); ok {
			return v
		}
	}
}

// callOutcome is what a Call returned.
type callOutcome struct {
	res *wamp.Result
	err error
}

// TestCallAnsweredBeforeSessionEnded: a Call whose RESULT arrived before
// the router's GOODBYE returns that result, not ErrSessionClosed (the
// callee ran; the caller was told the session closed under it). The
// caller's goroutine is held in a progress callback until the session has
// ended, so that both the answer and the end wait for it.
func TestCallAnsweredBeforeSessionEnded(t *testing.T) {
	for i := range 24 {
		s, r := scriptedJoin(t)
		started, release := make(chan struct{}), make(chan struct{})
		out := make(chan callOutcome, 1)
		go func() {
			res, err := s.Call(ctxT(t), "com.example.p", nil, nil, &client.CallOptions{OnProgress: func(*wamp.Result) {
				close(started)
				<-release
			}})
			out <- callOutcome{res, err}
		}()
		call := r14bRecv[*wamp.Call](t, r)
		r.Send(ctxT(t), &wamp.Result{Request: call.Request, Details: wamp.Dict{"progress": true}})
		<-started
		r.Send(ctxT(t), &wamp.Result{Request: call.Request, Details: wamp.Dict{}, Args: wamp.List{"done"}})
		r.Send(ctxT(t), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrSystemShutdown})
		<-s.Done()
		close(release)
		o := <-out
		if o.err != nil || len(o.res.Args) != 1 || o.res.Args[0] != "done" {
			t.Fatalf("round %d: Call = %v, %v; want the result that came before GOODBYE", i, o.res, o.err)
		}
		s.Close()
		if err := s.Wait(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCallAnsweredBeforeCtxEnded: a Call whose RESULT arrived before its
// ctx ended returns that result, not ctx's error (and sends no CANCEL for
// a call that is over), as Register and Subscribe do. A second call's
// answer, sent after the first's, tells the test that the reader has
// handed the first one over.
func TestCallAnsweredBeforeCtxEnded(t *testing.T) {
	s, r := scriptedJoin(t)
	for i := range 24 {
		ctx, cancel := context.WithCancel(ctxT(t))
		started, release := make(chan struct{}), make(chan struct{})
		out := make(chan callOutcome, 1)
		go func() {
			res, err := s.Call(ctx, "com.example.p", nil, nil, &client.CallOptions{OnProgress: func(*wamp.Result) {
				close(started)
				<-release
			}})
			out <- callOutcome{res, err}
		}()
		call := r14bRecv[*wamp.Call](t, r)
		r.Send(ctxT(t), &wamp.Result{Request: call.Request, Details: wamp.Dict{"progress": true}})
		<-started
		r.Send(ctxT(t), &wamp.Result{Request: call.Request, Details: wamp.Dict{}, Args: wamp.List{"done"}})

		out2 := make(chan error, 1)
		go func() {
			_, err := s.Call(ctxT(t), "com.example.marker", nil, nil, nil)
			out2 <- err
		}()
		marker := r14bRecv[*wamp.Call](t, r)
		r.Send(ctxT(t), &wamp.Result{Request: marker.Request, Details: wamp.Dict{}})
		if err := <-out2; err != nil {
			t.Fatal(err)
		}
		cancel()
		close(release)
		o := <-out
		if o.err != nil || len(o.res.Args) != 1 || o.res.Args[0] != "done" {
			t.Fatalf("round %d: Call = %v, %v; want the result that came before ctx ended", i, o.res, o.err)
		}
	}
	// No CANCEL went out for the calls that were answered: the next
	// message the router reads is this call's.
	go s.Call(ctxT(t), "com.example.last", nil, nil, nil)
	m, err := r.Recv(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.(*wamp.Call); !ok || c.Procedure != "com.example.last" {
		t.Fatalf("router read %v; want the last CALL (a CANCEL for an answered call?)", m.Type())
	}
	s.Close()
}

// TestCallAnsweredWithWrongMessage: a router that answers a CALL with
// another message than RESULT or ERROR (SUBSCRIBED, here) gets a
// protocol error back from Call, not a panic in the caller's goroutine.
func TestCallAnsweredWithWrongMessage(t *testing.T) {
	s, r := scriptedJoin(t)
	out := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				out <- errors.New("Call panicked")
			}
		}()
		_, err := s.Call(ctxT(t), "com.example.p", nil, nil, nil)
		out <- err
	}()
	call := r14bRecv[*wamp.Call](t, r)
	r.Send(ctxT(t), &wamp.Subscribed{Request: call.Request, Subscription: 7})
	var pe *wamp.ProtocolError
	if err := <-out; !errors.As(err, &pe) {
		t.Fatalf("Call = %v; want a *wamp.ProtocolError", err)
	}
}
