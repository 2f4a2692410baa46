package natsfabric_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// BenchmarkCall compares a call within one router with a call across two
// routers over an embedded NATS server (in-process sessions, one call at
// a time): ns/op, and the p50 and p99 latency.
func BenchmarkCall(b *testing.B) {
	localAndAcross(b, func(b *testing.B, callee, caller *client.Session) {
		ctx := context.Background()
		if _, err := callee.Register(ctx, "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: inv.Args}, nil
		}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := callWhenRegistered(b, caller, "com.example.echo", nil, nil); err != nil {
			b.Fatal(err)
		}
		args := wamp.List{"hello", int64(42)}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			if _, err := caller.Call(ctx, "com.example.echo", args, nil, nil); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	})
}

// BenchmarkPublish compares events within one router with events across
// two routers over an embedded NATS server: one publisher, one
// subscriber, every event waited for at the end.
func BenchmarkPublish(b *testing.B) {
	for _, across := range []bool{false, true} {
		name := "local"
		if across {
			name = "across"
		}
		b.Run(name, func(b *testing.B) {
			a, _, c := cluster(b)
			subNode := a
			if across {
				subNode = c
			}
			sub, pub := subNode.join(b), a.join(b)
			ctx := context.Background()
			got := make(chan struct{}, 1024)
			if _, err := sub.Subscribe(ctx, "com.example.news", func(*wamp.Event) { got <- struct{}{} }, nil); err != nil {
				b.Fatal(err)
			}
			args := wamp.List{"hello", int64(42)}
			n := 0
			start := time.Now()
			for b.Loop() {
				if err := pub.Publish(ctx, "com.example.news", args, nil, nil); err != nil {
					b.Fatal(err)
				}
				n++
				for len(got) > 512 { // keep the subscriber's queue short
					<-got
					n--
				}
			}
			for ; n > 0; n-- {
				<-got
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// localAndAcross runs f as two sub-benchmarks: the callee on the caller's
// router ("local"), and on another router of an embedded NATS cluster
// ("across").
func localAndAcross(b *testing.B, f func(b *testing.B, callee, caller *client.Session)) {
	for _, across := range []bool{false, true} {
		name := "local"
		if across {
			name = "across"
		}
		b.Run(name, func(b *testing.B) {
			a, _, c := cluster(b)
			calleeNode := a
			if across {
				calleeNode = c
			}
			f(b, calleeNode.join(b), a.join(b))
		})
	}
}
