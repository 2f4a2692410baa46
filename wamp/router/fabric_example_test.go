package router_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// forward is a one-way Fabric: the publications of its router go to
// another router's FabricLink. The router calls Publish under a realm's
// lock, so the hand-over is a queue, drained by a goroutine.
type forward struct {
	to    **router.FabricLink
	queue chan router.FabricPublication
}

func (f *forward) Start(*router.FabricLink) error { return nil }

// Publish queues a copy (p is the router's) and never waits: a full
// queue drops it.
func (f *forward) Publish(p *router.FabricPublication) {
	select {
	case f.queue <- *p:
	default:
	}
}

func (f *forward) Invoke(*router.FabricCall) error { return fmt.Errorf("calls are not forwarded") }

func (f *forward) RegistrationsChanged(wamp.URI) {}

// collector is a Fabric that only keeps its FabricLink.
type collector struct{ link *router.FabricLink }

func (c *collector) Start(l *router.FabricLink) error  { c.link = l; return nil }
func (c *collector) Publish(*router.FabricPublication) {}
func (c *collector) Invoke(*router.FabricCall) error   { return fmt.Errorf("no calls") }
func (c *collector) RegistrationsChanged(wamp.URI)     {}

// Two routers joined by a minimal Fabric: a publication on the first
// reaches a subscriber on the second, its publisher disclosed there.
func ExampleFabric() {
	realms := []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}
	second := &collector{}
	b, err := router.New(router.Config{Realms: realms, Fabric: second})
	if err != nil {
		panic(err)
	}
	fw := &forward{to: &second.link, queue: make(chan router.FabricPublication, 64)}
	a, err := router.New(router.Config{Realms: realms, Fabric: fw})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer a.Close(ctx)
	defer b.Close(ctx)
	go func() {
		for p := range fw.queue {
			(*fw.to).Publish(&p)
		}
	}()
	defer close(fw.queue)

	sub, err := client.Join(ctx, b.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer sub.Close()
	got := make(chan *wamp.Event, 1)
	if _, err := sub.Subscribe(ctx, "com.example.news", func(e *wamp.Event) { got <- e }, nil); err != nil {
		panic(err)
	}
	pub, err := client.Join(ctx, a.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer pub.Close()
	if err := pub.Publish(ctx, "com.example.news", wamp.List{"hello"}, nil, &client.PublishOptions{DiscloseMe: true}); err != nil {
		panic(err)
	}
	e := <-got
	fmt.Println(e.Args[0], e.Details["publisher"] == uint64(pub.ID()))
	// Output:
	// hello true
}
