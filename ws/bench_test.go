package ws

import (
	"context"
	"testing"
)

// BenchmarkEcho is a client-server round trip over loopback; allocations
// are per message for both ends together.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{32, 4096} {
		b.Run(sizeName(size), func(b *testing.B) {
			u, _ := startServer(b, newEcho(), nil)
			ctx := context.Background()
			c, err := Dial(ctx, u, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(StatusNormalClosure, "")
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(ctx, OpBinary, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadMessage(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return string(rune('0'+n/1024)) + "KiB"
	}
	return "32B"
}
