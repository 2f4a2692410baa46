package natsfabric_test

import (
	"testing"
	"time"
)

// A caller's router that crashes: once the callee's router forgets it
// (TTL), the calls it had running there are interrupted, as a local
// caller's are when it leaves. Before, the callee was never told and the
// call stayed among the fabric's served calls until the callee answered.
func TestReview17CrashedCallerInterrupts(t *testing.T) {
	ns := startNATS(t)
	a, b := newNode(t, ns, crashOpts), newNode(t, ns, crashOpts)
	interrupted, called := holdCall(t, b, a)
	a.nc.Close() // A crashes: B forgets it past the TTL
	select {
	case <-interrupted:
	case <-time.After(10 * time.Second):
		t.Fatal("the callee of a call from a crashed router was not interrupted")
	}
	if err := <-called; errorURI(err) != "wamp.error.canceled" {
		t.Errorf("the caller on the crashed router got %v, want wamp.error.canceled", err)
	}
}
