package router_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// BenchmarkFanout measures one acknowledged publication fanned out to n
// subscribers of one subscription: allocations per publication (the whole
// process: router, queues, transports) and per event. The subscribers
// are drains that count what arrives without decoding it:
//
//   - pipe: in-memory transports (Router.Connect), nothing is encoded;
//   - rawsocket-json: RawSocket over net.Pipe, every EVENT encoded by the
//     session's own writer; the drain counts frames.
//
// Issue 14's claim "fan-out encodes once per (serializer, subscription):
// allocation count flat from 1 to 1,000 subscribers" would hold if
// allocs/op stayed flat (allocs/event falling as 1/n). (ns/op means
// little: the loop polls for the deliveries with short sleeps.)
func BenchmarkFanout(b *testing.B) {
	for _, tr := range []string{"pipe", "rawsocket-json"} {
		for _, n := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", tr, n), func(b *testing.B) {
				benchFanout(b, tr, n)
			})
		}
	}
}

func benchFanout(b *testing.B, tr string, n int) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}, QueueSoftLimit: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(context.Background()) })
	ctx := context.Background()
	var got atomic.Int64
	hello := &wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": wamp.Dict{"subscriber": wamp.Dict{}, "publisher": wamp.Dict{}}}}
	subscribeOn := func(t wamp.Transport) {
		if err := t.Send(ctx, hello); err != nil {
			b.Fatal(err)
		}
		if _, err := t.Recv(ctx); err != nil {
			b.Fatal(err)
		}
		if err := t.Send(ctx, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "bench.fanout"}); err != nil {
			b.Fatal(err)
		}
		if m, err := t.Recv(ctx); err != nil {
			b.Fatal(err)
		} else if _, ok := m.(*wamp.Subscribed); !ok {
			b.Fatalf("got %v, want SUBSCRIBED", m)
		}
	}
	done := make(chan struct{}, n)
	for range n {
		switch tr {
		case "pipe":
			t := r.Connect()
			b.Cleanup(func() { t.Close() })
			subscribeOn(t)
			go func() {
				defer func() { done <- struct{}{} }()
				for {
					if _, err := t.Recv(ctx); err != nil {
						return
					}
					got.Add(1)
				}
			}()
		case "rawsocket-json":
			cli, srv := net.Pipe()
			accepted := make(chan error, 1)
			go func() {
				c, err := rawsocket.Accept(ctx, srv, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
				if err == nil {
					err = r.Attach(c)
				}
				accepted <- err
			}()
			c, err := rawsocket.Client(ctx, cli, rawsocket.Options{Serializer: json.Serializer{}})
			if err != nil {
				b.Fatal(err)
			}
			if err := <-accepted; err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			subscribeOn(c)
			// Nothing more is in flight: count the frames that follow
			// straight off the connection, without decoding them.
			go func() {
				defer func() { done <- struct{}{} }()
				br := bufio.NewReader(cli)
				var h [4]byte
				for {
					if _, err := io.ReadFull(br, h[:]); err != nil {
						return
					}
					_, size, err := rawsocket.ParseHeader(h[:])
					if err != nil {
						return
					}
					if _, err := br.Discard(size); err != nil {
						return
					}
					got.Add(1)
				}
			}()
		}
	}
	pub := r.Connect()
	b.Cleanup(func() { pub.Close() })
	if err := pub.Send(ctx, hello); err != nil {
		b.Fatal(err)
	}
	if _, err := pub.Recv(ctx); err != nil {
		b.Fatal(err)
	}
	args := wamp.List{"hello", int64(1)}
	opts := wamp.Dict{"acknowledge": true}
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		if err := pub.Send(ctx, &wamp.Publish{Request: wamp.ID(i + 1), Options: opts, Topic: "bench.fanout", Args: args}); err != nil {
			b.Fatal(err)
		}
		if _, err := pub.Recv(ctx); err != nil {
			b.Fatal(err)
		}
		for got.Load() < int64(n*(i+1)) {
			runtimeYield()
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*b.N), "allocs/event")
	r.Close(context.Background())
	for range n {
		<-done
	}
}
