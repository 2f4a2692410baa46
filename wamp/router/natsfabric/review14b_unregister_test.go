package natsfabric_test

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A callee that unregisters while its calls run (a graceful drain)
// still answers them, across routers as on its own router: the caller's
// router drops the registration when the callee's router announces it
// gone, but the calls in flight go on, and their results reach the
// callers.
func TestReview14bUnregisterKeepsCallsInFlight(t *testing.T) {
	a, _, c := cluster(t)
	bl := newBlocker()
	defer close(bl.release)
	callee, remote, local, probe := c.join(t), a.join(t), c.join(t), a.join(t)
	reg, err := callee.Register(ctxT(t), "com.example.drain", bl.handle, nil)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		res *wamp.Result
		err error
	}
	call := func(s *client.Session) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			res, err := callWhenRegistered(t, s, "com.example.drain", nil, nil)
			ch <- answer{res, err}
		}()
		return ch
	}
	fromRemote := call(remote)
	<-bl.started
	fromLocal := call(local)
	<-bl.started

	if err := callee.Unregister(ctxT(t), reg); err != nil {
		t.Fatal(err)
	}
	waitNoProcedure(t, probe, "com.example.drain") // A applied C's announcement
	for range 2 {
		select {
		case bl.release <- struct{}{}:
		case <-time.After(15 * time.Second):
			t.Fatal("the callee's invocations were not running")
		}
	}
	for name, ch := range map[string]<-chan answer{"local caller": fromLocal, "caller on another router": fromRemote} {
		select {
		case a := <-ch:
			if a.err != nil || len(a.res.Args) != 1 || a.res.Args[0] != "late" {
				t.Errorf("%s: %v %v, want the callee's result", name, a.res, a.err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: no answer", name)
		}
	}
}

// A call in flight to a callee that unregistered still ends when its
// router then stops without a word: ERROR wamp.error.canceled once the
// router is forgotten (TTL), as for the calls of callees it still had.
func TestReview14bUnregisteredThenCrash(t *testing.T) {
	a, _, c := clusterWith(t, crashOpts)
	bl := newBlocker()
	defer close(bl.release)
	callee, caller, probe := c.join(t), a.join(t), a.join(t)
	reg, err := callee.Register(ctxT(t), "com.example.drain", bl.handle, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() {
		_, err := callWhenRegistered(t, caller, "com.example.drain", nil, nil)
		errs <- err
	}()
	<-bl.started
	if err := callee.Unregister(ctxT(t), reg); err != nil {
		t.Fatal(err)
	}
	waitNoProcedure(t, probe, "com.example.drain")
	c.nc.Close() // the crash: no goodbye
	select {
	case err := <-errs:
		if errorURI(err) != wamp.ErrCanceled {
			t.Fatalf("call in flight to the stopped router: %v, want %s", err, wamp.ErrCanceled)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("a call in flight to an unregistered callee of a stopped router got no answer")
	}
}
