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
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// BenchmarkFanout measures one acknowledged publication fanned out to n
// subscribers of one subscription: allocations per publication (the whole
// process: router, queues, transports) and per event. The subscribers
// are drains that count what arrives without decoding it:
//
//   - pipe: in-memory transports (Router.Connect), nothing is encoded;
//   - rawsocket-json: RawSocket over net.Pipe, every EVENT encoded by the
//     session's own writer; the drain counts frames;
//   - websocket-json: WebSocket (goroutine transport) over net.Pipe; the
//     drain counts the server's unmasked frames;
//   - loop-json: WebSocket on the event loop (LoopHandler, one loop) over
//     loopback TCP; the drain counts frames as for websocket-json.
//
// Both sockets are net.Pipe ends whose write deadlines are turned off
// (pipeConn): net.Pipe arms a timer for every deadline set, two
// allocations per write that a TCP socket does not make.
//
// Issue 14's claim "fan-out encodes once per (serializer, subscription):
// allocation count flat from 1 to 1,000 subscribers" would hold if
// allocs/op stayed flat (allocs/event falling as 1/n). (ns/op means
// little: the loop polls for the deliveries with short sleeps.)
func BenchmarkFanout(b *testing.B) {
	for _, tr := range []string{"pipe", "rawsocket-json", "websocket-json", "loop-json"} {
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
	var loopURL string
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
			cli, srv := pipeConns()
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
		case "websocket-json":
			cli, srv := pipeConns()
			wsOpts := &ws.Options{PingInterval: -1}
			neg := ws.Negotiated{Subprotocol: websocket.Subprotocol(json.Serializer{}, false)}
			wopts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: wsOpts}
			sc, err := websocket.New(ws.NewConn(srv, ws.RoleServer, nil, neg, wsOpts), wopts)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Attach(sc); err != nil {
				b.Fatal(err)
			}
			c, err := websocket.New(ws.NewConn(cli, ws.RoleClient, nil, neg, wsOpts), wopts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			subscribeOn(c)
			go func() {
				defer func() { done <- struct{}{} }()
				br := bufio.NewReader(cli)
				for {
					if err := discardWSFrame(br); err != nil {
						return
					}
					got.Add(1)
				}
			}()
		case "loop-json":
			if loopURL == "" {
				loopURL = serveLoop(b, r, eventloop.Config{Loops: 1})
			}
			var nc net.Conn
			wo := &ws.Options{PingInterval: -1, NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				c, err := d.DialContext(ctx, network, addr)
				nc = c
				return c, err
			}}
			c, err := websocket.Dial(ctx, loopURL, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: wo})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			subscribeOn(c)
			go func() {
				defer func() { done <- struct{}{} }()
				br := bufio.NewReader(nc)
				for {
					if err := discardWSFrame(br); err != nil {
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

// discardWSFrame reads one unmasked WebSocket frame (the server's) off br
// without allocating.
func discardWSFrame(br *bufio.Reader) error {
	if _, err := br.ReadByte(); err != nil {
		return err
	}
	b, err := br.ReadByte()
	if err != nil {
		return err
	}
	n, ext := int(b&0x7f), 0
	switch n {
	case 126:
		n, ext = 0, 2
	case 127:
		n, ext = 0, 8
	}
	for range ext {
		c, err := br.ReadByte()
		if err != nil {
			return err
		}
		n = n<<8 | int(c)
	}
	_, err = br.Discard(n)
	return err
}

// pipeConn is a net.Pipe end whose write deadlines do nothing (see
// BenchmarkFanout).
type pipeConn struct{ net.Conn }

func (pipeConn) SetWriteDeadline(time.Time) error { return nil }

func (c pipeConn) SetDeadline(t time.Time) error { return c.Conn.SetReadDeadline(t) }

func pipeConns() (net.Conn, net.Conn) {
	a, b := net.Pipe()
	return pipeConn{a}, pipeConn{b}
}
