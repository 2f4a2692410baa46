package rawsocket_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// BenchmarkRoundTrip: one CALL to an echo server over TCP and back,
// client and server in this process (allocations count both ends and the
// decoding); size is the length of the CALL's string argument.
func BenchmarkRoundTrip(b *testing.B) {
	for _, s := range all[:3] {
		for _, size := range []int{5, 64 << 10} {
			b.Run(s.Name()+"/size="+map[int]string{5: "5", 64 << 10: "64k"}[size], func(b *testing.B) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				defer ln.Close()
				done := serve(nil, ln, rawsocket.ServerOptions{Serializers: all})
				ctx := context.Background()
				c, err := rawsocket.Dial(ctx, "tcp", ln.Addr().String(), rawsocket.Options{Serializer: s})
				if err != nil {
					b.Fatal(err)
				}
				m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.bench.echo", Args: wamp.List{int64(1), strings.Repeat("x", size)}}
				b.ReportAllocs()
				for b.Loop() {
					if err := c.Send(ctx, m); err != nil {
						b.Fatal(err)
					}
					if _, err := c.Recv(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				c.Close()
				<-done
			})
		}
	}
}
