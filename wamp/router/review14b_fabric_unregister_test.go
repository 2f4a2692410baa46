package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// RemoteCallee.Unregister is a remote callee's UNREGISTER: no new calls
// go to it, and its calls in flight end with the fabric's answer; a
// Remove after it still cancels those left.
func TestReview14bRemoteCalleeUnregister(t *testing.T) {
	r, f := fabricRouter(t)
	caller := join(t, r)
	ctx := ctxT(t)
	reg := router.FabricRegistration{Procedure: "com.remote.drain", Match: wamp.MatchExact, Policy: router.InvokeSingle}
	rc, err := f.link.AddCallee(realm1, "nodeX", reg)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		res *wamp.Result
		err error
	}
	call := func() <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			res, err := caller.Call(ctx, "com.remote.drain", nil, nil, nil)
			ch <- answer{res, err}
		}()
		return ch
	}
	first := call()
	fc1 := recv(t, f.calls)
	second := call()
	recv(t, f.calls)
	rc.Unregister()
	rc.Unregister()
	if _, err := caller.Call(ctx, "com.remote.drain", nil, nil, nil); errURI(err) != wamp.ErrNoSuchProcedure {
		t.Fatalf("call after Unregister: %v, want %s", err, wamp.ErrNoSuchProcedure)
	}
	fc1.Answer(&wamp.Result{Args: wamp.List{"done"}})
	if a := recv(t, first); a.err != nil || a.res.Args[0] != "done" {
		t.Fatalf("call in flight answered after Unregister: %v %v, want done", a.res, a.err)
	}
	rc.Remove()
	if a := recv(t, second); errURI(a.err) != wamp.ErrCanceled {
		t.Fatalf("call in flight at Remove after Unregister: %v, want %s", a.err, wamp.ErrCanceled)
	}
	if _, err := f.link.AddCallee(realm1, "nodeX", reg); err != nil {
		t.Fatalf("AddCallee after Unregister: %v", err)
	}
}
