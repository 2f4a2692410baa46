package wsmetrics_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// BenchmarkEcho: a 32-byte round trip (one message in and one out on the
// server) through each driver, with metrics off and on.
func BenchmarkEcho(b *testing.B) {
	for _, name := range []string{"ws.Server", "wsloop"} {
		for _, on := range []bool{false, true} {
			sub := name + "/off"
			if on {
				sub = name + "/on"
			}
			b.Run(sub, func(b *testing.B) {
				var m *wsmetrics.Set
				if on {
					m = new(wsmetrics.Set)
				}
				h := &echo{closes: make(chan ws.StatusCode, 1)}
				addr, stop := drivers[name](b, h, m, nil)
				defer stop()
				ctx := context.Background()
				c, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close(ws.StatusNormalClosure, "")
				msg := make([]byte, 32)
				b.ReportAllocs()
				for b.Loop() {
					if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCount is the counting itself for one echoed message (Received
// and Sent): on one goroutine, from parallel goroutines sharing one Set,
// and on a nil Set (metrics off).
func BenchmarkCount(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		m := new(wsmetrics.Set)
		b.ReportAllocs()
		for b.Loop() {
			m.Received(32)
			m.Sent(32)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		m := new(wsmetrics.Set)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Received(32)
				m.Sent(32)
			}
		})
	})
	b.Run("nil", func(b *testing.B) {
		var m *wsmetrics.Set
		b.ReportAllocs()
		for b.Loop() {
			m.Received(32)
			m.Sent(32)
		}
	})
}
