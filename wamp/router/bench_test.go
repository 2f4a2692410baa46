package router_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func benchJoin(b *testing.B, r *router.Router, opts client.JoinOptions) *client.Session {
	s, err := client.Join(context.Background(), r.Connect(), realm1, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchRouter(b *testing.B) *router.Router {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(context.Background()) })
	return r
}

// BenchmarkCall: in-process call round trips, one at a time and 16 in
// parallel (wamp/client on both ends).
func BenchmarkCall(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprint("parallel=", par), func(b *testing.B) {
			r := benchRouter(b)
			callee, caller := benchJoin(b, r, client.JoinOptions{}), benchJoin(b, r, client.JoinOptions{})
			if _, err := callee.Register(context.Background(), "bench.echo", echo, nil); err != nil {
				b.Fatal(err)
			}
			args := wamp.List{"hello", int64(1)}
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := caller.Call(context.Background(), "bench.echo", args, nil, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPublish: one publisher, 10 subscribers, acknowledged
// publications; reports events delivered (to the handlers) per second.
func BenchmarkPublish(b *testing.B) {
	r := benchRouter(b)
	const subscribers = 10
	var got atomic.Int64
	for range subscribers {
		s := benchJoin(b, r, client.JoinOptions{EventQueue: -1})
		if _, err := s.Subscribe(context.Background(), "bench.topic", func(*wamp.Event) { got.Add(1) }, nil); err != nil {
			b.Fatal(err)
		}
	}
	pub := benchJoin(b, r, client.JoinOptions{})
	args := wamp.List{"hello", int64(1)}
	opts := &client.PublishOptions{Acknowledge: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := pub.Publish(context.Background(), "bench.topic", args, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
	for got.Load() < int64(subscribers*b.N) {
		runtime.Gosched()
	}
	b.ReportMetric(float64(subscribers*b.N)/b.Elapsed().Seconds(), "events/s")
}
