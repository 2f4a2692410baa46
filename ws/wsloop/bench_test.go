package wsloop_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// BenchmarkEcho: a round trip through the loop server from ws.Dial's
// client (allocations counted on both sides).
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{32, 4096} {
		name := "32B"
		if size > 32 {
			name = "4KiB"
		}
		b.Run(name, func(b *testing.B) {
			u, _ := serve(b, newEcho(), nil, eventloop.Config{Loops: 1})
			ctx := context.Background()
			c, err := ws.Dial(ctx, u, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ws.StatusNormalClosure, "")
			msg := make([]byte, size)
			b.SetBytes(int64(size))
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
