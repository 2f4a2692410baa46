package natsfabric_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A call timeout the router takes for a local callee (it takes up to a
// century) reaches a callee on another router too: a timeout of days
// does not make the call undecodable there.
func TestReview14bLongCallTimeoutAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	callee, caller := c.join(t), a.join(t)
	if _, err := callee.Register(ctxT(t), "com.example.long", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{"ok"}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.long", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{48 * time.Hour, 365 * 24 * time.Hour} {
		res, err := caller.Call(ctxT(t), "com.example.long", nil, nil, &client.CallOptions{Timeout: d})
		if err != nil || len(res.Args) != 1 || res.Args[0] != "ok" {
			t.Fatalf("call with timeout %v to another router: %v %v", d, res, err)
		}
	}
}
