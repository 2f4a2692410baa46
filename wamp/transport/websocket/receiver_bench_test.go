package websocket_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// echoNow is the Receiver of BenchmarkLoopEcho: it sends every message
// back with SendNow, on the loop.
type echoNow struct{}

func (echoNow) OnOpen(*websocket.Conn) {}
func (echoNow) OnMessage(c *websocket.Conn, m wamp.Message) {
	if err := c.SendNow(m); err != nil {
		c.Close()
	}
}
func (echoNow) OnClose(*websocket.Conn, error) {}

// BenchmarkLoopEcho: a WAMP echo server on one event loop, as LoopHandler
// (the message copied into the inbox, decoded by Recv on the session's
// goroutine, sent back with Send) and as LoopReceiver (decoded on the loop,
// sent back with SendNow from the callback). One op is one CALL there and
// back; the client (ws.Dial, on goroutines, the same for both) sends
// pre-encoded messages, window at a time, and reads the echoes without
// decoding them, so that the difference is the server's. Allocations
// count both sides. Compare with benchstat -col /server.
func BenchmarkLoopEcho(b *testing.B) {
	call := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.bench.echo", Args: wamp.List{int64(1), "hello"}}
	for _, s := range []wamp.Serializer{json.Serializer{}, cbor.Serializer{}} {
		for _, window := range []int{1, 64} {
			for _, server := range []string{"handler", "receiver"} {
				b.Run(fmt.Sprintf("%s/window=%d/server=%s", s.Name(), window, server), func(b *testing.B) {
					opts := websocket.Options{Serializers: []wamp.Serializer{s}}
					h := websocket.LoopHandler(opts, echo)
					if server == "receiver" {
						h = websocket.LoopReceiver(opts, echoNow{})
					}
					addr, stop := wsconf.StartLoop(b, &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1}})
					defer func() {
						stop()
						h.Wait(context.Background())
					}()
					ctx := context.Background()
					c, err := ws.Dial(ctx, "ws://"+addr.String()+"/", &ws.Options{Subprotocols: []string{websocket.Subprotocol(s, false)}})
					if err != nil {
						b.Fatal(err)
					}
					defer c.CloseNow()
					p, _ := s.AppendMessage(nil, call)
					msgs := make([][]byte, window)
					for i := range msgs {
						msgs[i] = p
					}
					op := opOf(s)
					b.ReportAllocs()
					b.ResetTimer()
					for done := 0; done < b.N; {
						k := min(window, b.N-done)
						if err := c.WriteMessages(ctx, op, msgs[:k]); err != nil {
							b.Fatal(err)
						}
						for range k {
							if _, _, err := c.ReadMessage(ctx); err != nil {
								b.Fatal(err)
							}
						}
						done += k
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				})
			}
		}
	}
}

// pushOutput is a push driver for BenchmarkLoopDispatch: it sends nothing
// and tells the benchmark when there is output to take.
type pushOutput struct {
	net.Conn // nil: only the methods below are called
	ready    chan struct{}
}

func (o *pushOutput) OutputReady() {
	select {
	case o.ready <- struct{}{}:
	default:
	}
}
func (o *pushOutput) Close() error         { return nil }
func (o *pushOutput) RemoteAddr() net.Addr { return &net.TCPAddr{} }
func (o *pushOutput) LocalAddr() net.Addr  { return &net.TCPAddr{} }

// BenchmarkLoopDispatch: the server's side of BenchmarkLoopEcho without
// the network. The benchmark's goroutine plays the loop: it hands window
// received CALLs to the handler's OnMessage, as ws.Conn.Feed would, then
// takes the echoes from the connection's output queue as the loop's
// writer would. LoopHandler copies each into the inbox and wakes the
// session's goroutine (Recv decodes, Send queues); LoopReceiver decodes in
// OnMessage and SendNow queues. One op is one message in and its echo out.
func BenchmarkLoopDispatch(b *testing.B) {
	call := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.bench.echo", Args: wamp.List{int64(1), "hello"}}
	for _, s := range []wamp.Serializer{json.Serializer{}, cbor.Serializer{}} {
		for _, window := range []int{1, 64} {
			for _, server := range []string{"handler", "receiver"} {
				b.Run(fmt.Sprintf("%s/window=%d/server=%s", s.Name(), window, server), func(b *testing.B) {
					opts := websocket.Options{Serializers: []wamp.Serializer{s}}
					h := websocket.LoopHandler(opts, echo)
					if server == "receiver" {
						h = websocket.LoopReceiver(opts, echoNow{})
					}
					out := &pushOutput{ready: make(chan struct{}, 1)}
					pc := ws.NewPushConn(out, ws.RoleServer, ws.Negotiated{Subprotocol: websocket.Subprotocol(s, false)}, &ws.Options{PingInterval: -1}, ws.OutputBounds{})
					wc := pc.Conn()
					h.OnOpen(wc)
					defer func() {
						pc.FeedEnd(h, io.EOF)
						h.Wait(context.Background())
					}()
					p, _ := s.AppendMessage(nil, call)
					in := make([]byte, len(p))
					// echoes takes the output until it holds at least n octets.
					echoes := func(n int) int {
						for got := 0; ; <-out.ready {
							if q := pc.TakeOutput(); q != nil {
								got += len(*q)
								ws.PutOutput(q)
								pc.OutputSent(0)
							}
							if got >= n {
								return got
							}
						}
					}
					copy(in, p)
					h.OnMessage(wc, opOf(s), in)
					size := echoes(1) // an echo's frame
					b.ReportAllocs()
					b.ResetTimer()
					for done := 0; done < b.N; {
						k := min(window, b.N-done)
						for range k {
							copy(in, p) // ws hands over its own buffer, reused
							h.OnMessage(wc, opOf(s), in)
						}
						if got := echoes(k * size); got != k*size {
							b.Fatalf("%d octets of output, want %d", got, k*size)
						}
						done += k
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				})
			}
		}
	}
}
