package wamp

import (
	"context"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	nexusclient "github.com/gammazero/nexus/v3/client"
	nexusrouter "github.com/gammazero/nexus/v3/router"
	nexusser "github.com/gammazero/nexus/v3/transport/serialize"
	nexuswamp "github.com/gammazero/nexus/v3/wamp"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// startRouter runs a nexus router with its RawSocket server on 127.0.0.1:0
// and returns the URL (tcp://… or ws://…) for the transport tr.
func startRouter(b *testing.B, tr string) string {
	b.Helper()
	r, err := nexusrouter.NewRouter(&nexusrouter.Config{RealmConfigs: []*nexusrouter.RealmConfig{{URI: "realm1", AnonymousAuth: true}}}, log.New(io.Discard, "", 0))
	if err != nil {
		b.Fatal(err)
	}
	closer, err := nexusrouter.NewRawSocketServer(r).ListenAndServe("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ws := httptest.NewServer(nexusrouter.NewWebsocketServer(r))
	b.Cleanup(func() { closer.Close(); ws.Close(); r.Close() })
	if tr == "websocket" {
		return "ws" + strings.TrimPrefix(ws.URL, "http")
	}
	return "tcp://" + closer.(net.Listener).Addr().String()
}

func joinOurs(b *testing.B, url string, s wamp.Serializer) *client.Session {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		t   wamp.Transport
		err error
	)
	if addr, ok := strings.CutPrefix(url, "tcp://"); ok {
		t, err = rawsocket.Dial(ctx, "tcp", addr, rawsocket.Options{Serializer: s})
	} else {
		t, err = websocket.Dial(ctx, url, websocket.Options{Serializers: []wamp.Serializer{s}})
	}
	if err != nil {
		b.Fatal(err)
	}
	sess, err := client.Join(ctx, t, "realm1", client.JoinOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sess.Close() })
	return sess
}

func joinNexus(b *testing.B, url string, s nexusser.Serialization) *nexusclient.Client {
	c, err := nexusclient.ConnectNet(context.Background(), url, nexusclient.Config{
		Realm: "realm1", Serialization: s, Logger: log.New(io.Discard, "", 0),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkCalls measures calls per second through one nexus router over
// RawSocket/TCP and WebSocket: a caller and a callee of the same client
// library, 16 calls in flight per GOMAXPROCS.
func BenchmarkCalls(b *testing.B) {
	sers := []struct {
		name  string
		ours  wamp.Serializer
		nexus nexusser.Serialization
	}{
		{"json", serializers[0].ours, nexusser.JSON},
		{"msgpack", serializers[1].ours, nexusser.MSGPACK},
		{"cbor", serializers[2].ours, nexusser.CBOR},
	}
	for _, tr := range []string{"rawsocket", "websocket"} {
		for _, s := range sers {
			benchCalls(b, tr, s.name, s.ours, s.nexus)
		}
	}
}

func benchCalls(b *testing.B, tr, name string, ours wamp.Serializer, nexus nexusser.Serialization) {
	{
		b.Run("tr="+tr+"/ser="+name+"/client=ours", func(b *testing.B) {
			addr := startRouter(b, tr)
			callee, caller := joinOurs(b, addr, ours), joinOurs(b, addr, ours)
			ctx := context.Background()
			if _, err := callee.Register(ctx, "com.bench.echo", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				return &client.Result{Args: inv.Args}, nil
			}, nil); err != nil {
				b.Fatal(err)
			}
			args := wamp.List{int64(1), "hello"}
			b.SetParallelism(16)
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := caller.Call(ctx, "com.bench.echo", args, nil, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
		b.Run("tr="+tr+"/ser="+name+"/client=nexus", func(b *testing.B) {
			addr := startRouter(b, tr)
			callee, caller := joinNexus(b, addr, nexus), joinNexus(b, addr, nexus)
			ctx := context.Background()
			if err := callee.Register("com.bench.echo", func(ctx context.Context, inv *nexuswamp.Invocation) nexusclient.InvokeResult {
				return nexusclient.InvokeResult{Args: inv.Arguments}
			}, nil); err != nil {
				b.Fatal(err)
			}
			args := nexuswamp.List{int64(1), "hello"}
			b.SetParallelism(16)
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := caller.Call(ctx, "com.bench.echo", nil, args, nil, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
