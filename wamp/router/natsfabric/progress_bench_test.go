package natsfabric_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// BenchmarkProgressiveCall compares a call with 100 progressive results
// within one router with one across two routers over an embedded NATS
// server (in-process sessions, one call at a time): ns/op is per call,
// results/s counts the progressive results.
func BenchmarkProgressiveCall(b *testing.B) {
	const parts = 100
	localAndAcross(b, func(b *testing.B, callee, caller *client.Session) {
		ctx := context.Background()
		if _, err := callee.Register(ctx, "com.example.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			for i := range parts {
				if err := inv.SendProgress(ctx, wamp.List{int64(i)}, nil); err != nil {
					return nil, err
				}
			}
			return &client.Result{}, nil
		}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := callWhenRegistered(b, caller, "com.example.count", nil, nil); err != nil {
			b.Fatal(err)
		}
		got := 0
		opts := &client.CallOptions{OnProgress: func(*wamp.Result) { got++ }}
		for b.Loop() {
			if _, err := caller.Call(ctx, "com.example.count", nil, nil, opts); err != nil {
				b.Fatal(err)
			}
		}
		if got != parts*b.N {
			b.Fatalf("%d progressive results, want %d", got, parts*b.N)
		}
		b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "results/s")
	})
}
