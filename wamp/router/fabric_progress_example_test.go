package router_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// bridge is a one-way Fabric with FabricCallControl: the calls of its
// router go to another router's FabricLink.Serve, their progressive
// results and answers come back through FabricCall.Progress and Answer,
// their INTERRUPTs go to the ServedCall. Neither router may be called
// under the other's locks, so everything goes through one queue, in
// order, drained by one goroutine.
type bridge struct {
	collector // Start keeps the link; Publish and RegistrationsChanged do nothing
	to        **router.FabricLink
	queue     chan func()                               // room for what one call sends here: this example does not bound it otherwise
	served    map[*router.FabricCall]*router.ServedCall // the queue's goroutine's
}

func (b *bridge) Invoke(c *router.FabricCall) error {
	b.queue <- func() {
		b.served[c] = (*b.to).Serve(c, func(m wamp.Message) {
			b.queue <- func() {
				if r, ok := m.(*wamp.Result); ok && r.Details["progress"] == true {
					c.Progress(r)
					return
				}
				delete(b.served, c)
				c.Answer(m)
			}
		})
	}
	return nil
}

func (b *bridge) Interrupt(c *router.FabricCall, mode string, _ wamp.URI) {
	b.queue <- func() { b.served[c].Cancel(mode) }
}

func (b *bridge) Continue(c *router.FabricCall, p *router.FabricCallPart) error {
	b.queue <- func() { b.served[c].Continue(p) }
	return nil
}

// A caller on one router gets the progressive results of a callee on
// another, in order, then the final result.
func ExampleFabricCallControl() {
	realms := []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}
	second := &collector{}
	b, err := router.New(router.Config{Realms: realms, Fabric: second})
	if err != nil {
		panic(err)
	}
	br := &bridge{to: &second.link, queue: make(chan func(), 64), served: map[*router.FabricCall]*router.ServedCall{}}
	a, err := router.New(router.Config{Realms: realms, Fabric: br})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer a.Close(ctx)
	defer b.Close(ctx)
	go func() {
		for f := range br.queue {
			f()
		}
	}()
	defer close(br.queue)

	callee, err := client.Join(ctx, b.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer callee.Close()
	if _, err := callee.Register(ctx, "com.example.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		for i := range 3 {
			if err := inv.SendProgress(ctx, wamp.List{i}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"done"}}, nil
	}, nil); err != nil {
		panic(err)
	}
	// The first router learns of the second's registration (a real
	// Fabric announces them).
	reg := router.FabricRegistration{Procedure: "com.example.count", Match: wamp.MatchExact, Policy: router.InvokeSingle}
	if _, err := br.link.AddCallee("realm1", "second", reg); err != nil {
		panic(err)
	}

	caller, err := client.Join(ctx, a.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer caller.Close()
	res, err := caller.Call(ctx, "com.example.count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
		fmt.Println("progress", r.Args[0])
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println("result", res.Args[0])
	// Output:
	// progress 0
	// progress 1
	// progress 2
	// result done
}
