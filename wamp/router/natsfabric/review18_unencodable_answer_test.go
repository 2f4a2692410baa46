package natsfabric_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// An answer the fabric cannot encode (a string that is not UTF-8, from a
// callee on an in-process session) reaches the caller on another router
// as ERROR wamp.error.invalid_argument, as an answer its own
// serialization refuses does within one router; a progressive result
// likewise. Before, the final answer became wamp.error.canceled and the
// progressive result wamp.error.payload_size_exceeded.
func TestReview18UnencodableAnswerAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	callee, caller := c.join(t), a.join(t)
	if _, err := callee.Register(ctxT(t), "com.example.bad", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{"\xff"}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callee.Register(ctxT(t), "com.example.badprogress", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if err := inv.SendProgress(ctx, wamp.List{"\xff"}, nil); err != nil {
			return nil, err
		}
		<-ctx.Done() // interrupted: the call ended with the refused progressive result
		return nil, ctx.Err()
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.bad", nil, nil); errorURI(err) != wamp.ErrInvalidArgument {
		t.Errorf("unencodable answer: %v, want %s", err, wamp.ErrInvalidArgument)
	}
	progress := 0
	_, err := callWhenRegistered(t, caller, "com.example.badprogress", nil, &client.CallOptions{OnProgress: func(*wamp.Result) { progress++ }})
	if errorURI(err) != wamp.ErrInvalidArgument || progress != 0 {
		t.Errorf("unencodable progressive result: %v after %d progressive results, want %s after none", err, progress, wamp.ErrInvalidArgument)
	}
}
