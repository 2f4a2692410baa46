package natsfabric_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// wsRouter is a router with its fabric, served to WebSocket clients on
// loopback as cmd/autobahn-fabric serves it (net/http, path /ws; JSON,
// MessagePack and CBOR).
type wsRouter struct {
	r   *router.Router
	f   *natsfabric.Fabric
	url string // ws://127.0.0.1:port/ws
}

// newWSRouter starts a router on nc (closed with the router) and its
// WebSocket listener; both stop when the test ends.
func newWSRouter(t testing.TB, nc *nats.Conn, opts natsfabric.Options) *wsRouter {
	t.Helper()
	f := natsfabric.New(nc, opts)
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}, Fabric: f})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		r.Close(context.Background())
		nc.Close()
		t.Fatal(err)
	}
	wopts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, wopts)
		if err != nil {
			return
		}
		r.Attach(c) // a refused session is closed by Attach
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("fabric Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
		hs.Shutdown(ctx)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("http Serve: %v", err)
		}
		nc.Close()
	})
	return &wsRouter{r: r, f: f, url: "ws://" + ln.Addr().String() + "/ws"}
}

// connectWS joins realm1 on url over WebSocket with ser, closed when the
// test ends.
func connectWS(t testing.TB, url string, ser wamp.Serializer) *client.Session {
	t.Helper()
	s, err := client.Connect(ctxT(t), url, realm1, client.ConnectOptions{Serializers: []wamp.Serializer{ser}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// natsConn connects to the NATS server for one router: in the process
// (nats.InProcessServer: no socket) when url is "", over TCP otherwise.
func natsConn(t testing.TB, ns *server.Server, url string) *nats.Conn {
	t.Helper()
	var nc *nats.Conn
	var err error
	if url == "" {
		nc, err = nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect(), nats.NoEcho())
	} else {
		nc, err = nats.Connect(url, nats.NoReconnect(), nats.NoEcho())
	}
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

// startNATSListen starts a NATS server in the process that takes
// clients on a loopback port.
func startNATSListen(t testing.TB) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		t.Fatal("NATS server not ready")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// BenchmarkCallWS measures a call as WAMP clients see it: caller and
// callee are our wamp/client over loopback WebSocket (CBOR), the caller
// on router A; the callee on A too (local) or on router C (across). The
// NATS server is embedded: the routers reach it in the process (inproc)
// or over loopback TCP (tcp); with NATSFABRIC_BENCH_NATS=nats://host:port
// the across-ext case runs against that separate nats-server too. One
// call at a time; it reports the p50 and p99 latency and calls/s.
//
// The target, "cross-router RPC adds ≤ 2× the in-router p50", is
// read as: p50(across) − p50(local) ≤ 2 × p50(local).
//
//	cd wamp/router/natsfabric && go test -run '^$' -bench 'CallWS' -benchtime 20000x -count 6 .
func BenchmarkCallWS(b *testing.B) {
	cases := []struct {
		name   string
		across bool
		nats   string // "inproc", "tcp" or a URL
	}{
		{"local", false, "inproc"},
		{"across-inproc", true, "inproc"},
		{"across-tcp", true, "tcp"},
	}
	if u := os.Getenv("NATSFABRIC_BENCH_NATS"); u != "" {
		cases = append(cases, struct {
			name   string
			across bool
			nats   string
		}{"across-ext", true, u})
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var ns *server.Server
			url := ""
			switch tc.nats {
			case "inproc":
				ns = startNATS(b)
			case "tcp":
				ns = startNATSListen(b)
				url = ns.ClientURL()
			default:
				url = tc.nats
			}
			a := newWSRouter(b, natsConn(b, ns, url), testOpts)
			calleeRouter := a
			if tc.across {
				calleeRouter = newWSRouter(b, natsConn(b, ns, url), testOpts)
			}
			callee := connectWS(b, calleeRouter.url, cbor.Serializer{})
			caller := connectWS(b, a.url, cbor.Serializer{})
			ctx := context.Background()
			if _, err := callee.Register(ctx, "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
				return &client.Result{Args: inv.Args}, nil
			}, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := callWhenRegistered(b, caller, "com.example.echo", nil, nil); err != nil {
				b.Fatal(err)
			}
			benchCalls(b, caller)
		})
	}
}

// benchCalls calls com.example.echo from s b.N times, one at a time.
func benchCalls(b *testing.B, s *client.Session) {
	ctx := context.Background()
	args := wamp.List{"hello", int64(42)}
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.Call(ctx, "com.example.echo", args, nil, nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
}

// BenchmarkNATSRoundTrip is the floor under a call across routers: one
// NATS request and its reply between two connections, each answered in
// an asynchronous subscription's handler as the fabric does (the call on
// the callee's router, the answer on the caller's), with a 64-byte
// payload; inproc (nats.InProcessServer) or over loopback TCP. What a
// call across routers adds over one within a router, less this, is the
// fabric's and the routers' own.
//
//	cd wamp/router/natsfabric && go test -run '^$' -bench 'NATSRoundTrip' -benchtime 20000x -count 6 .
func BenchmarkNATSRoundTrip(b *testing.B) {
	for _, tcp := range []bool{false, true} {
		name := "inproc"
		if tcp {
			name = "tcp"
		}
		b.Run(name, func(b *testing.B) {
			var ns *server.Server
			url := ""
			if tcp {
				ns = startNATSListen(b)
				url = ns.ClientURL()
			} else {
				ns = startNATS(b)
			}
			callee, caller := natsConn(b, ns, url), natsConn(b, ns, url)
			defer callee.Close()
			defer caller.Close()
			if _, err := callee.Subscribe("bench.call", func(m *nats.Msg) { callee.Publish(m.Reply, m.Data) }); err != nil {
				b.Fatal(err)
			}
			got := make(chan struct{}, 1)
			if _, err := caller.Subscribe("bench.reply.*", func(*nats.Msg) { got <- struct{}{} }); err != nil {
				b.Fatal(err)
			}
			if err := callee.Flush(); err != nil {
				b.Fatal(err)
			}
			if err := caller.Flush(); err != nil {
				b.Fatal(err)
			}
			data := make([]byte, 64)
			lat := make([]time.Duration, 0, b.N)
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				if err := caller.PublishMsg(&nats.Msg{Subject: "bench.call", Reply: "bench.reply.1", Data: data}); err != nil {
					b.Fatal(err)
				}
				<-got
				lat = append(lat, time.Since(t0))
			}
			elapsed := time.Since(start)
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
		})
	}
}
