package client_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A caller streams its arguments in parts (progressive call invocations);
// a Progressive registration takes them with NextPart and answers once.
func ExampleSession_StreamCall() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	sum := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		total := 0
		for part := inv.Invocation; ; {
			var n int
			if err := client.DecodeArgs(part.Args, &n); err != nil {
				return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
			}
			total += n
			if !inv.MoreParts() {
				return &client.Result{Args: wamp.List{total}}, nil
			}
			if part, err = inv.NextPart(ctx); err != nil {
				return nil, err
			}
		}
	}
	if _, err := s.Register(ctx, "com.example.sum", sum, &client.RegisterOptions{Progressive: true}); err != nil {
		panic(err)
	}
	call, err := s.StreamCall(ctx, "com.example.sum", wamp.List{1}, nil, nil)
	if err != nil {
		panic(err)
	}
	for _, n := range []int{2, 3} {
		if err := call.Send(wamp.List{n}, nil); err != nil {
			break // the call is over (ErrCallAnswered: answered early); Finish says how
		}
	}
	res, err := call.Finish(wamp.List{4}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Args[0])
	// Output: 10
}
