package router_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// BenchmarkIdleWebSocketSessions joins b.N sessions over loopback
// WebSocket (JSON) to a router serving them with Router.Attach, as
// `autobahn serve` and bench/cmd/ourrouter do, lets them go idle and
// reports what each holds once idle: goroutines/session and
// stack-B/session (runtime.MemStats.StackInuse; the clients, raw
// websocket.Conns, hold no goroutine, so both are the router's) and
// heap-B/session (HeapAlloc after a GC: both ends of the connection,
// the client's websocket.Conn included: its ws.Conn, net.TCPConn and
// their state, about 1 KB). Each session takes two file
// descriptors: keep b.N under half of `ulimit -n`, e.g.
//
//	go test -run '^$' -bench IdleWebSocketSessions -benchtime 400x ./wamp/router/
//
// The RSS a router process grows by per idle session is measured by
// bench/run-router.sh's idle cell.
func BenchmarkIdleWebSocketSessions(b *testing.B) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}})
	if err != nil {
		b.Fatal(err)
	}
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if c, err := websocket.Accept(w, req, opts); err == nil {
			r.Attach(c)
		}
	}))
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	conns := make([]*websocket.Conn, 0, b.N)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Close(ctx)
		srv.Close()
	}()
	ctx := context.Background()
	before := idleMem()
	b.ResetTimer()
	for range b.N {
		c, err := websocket.Dial(ctx, url, opts)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		if err := c.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails}); err != nil {
			b.Fatal(err)
		}
		if m, err := c.Recv(ctx); err != nil {
			b.Fatal(err)
		} else if _, ok := m.(*wamp.Welcome); !ok {
			b.Fatalf("join: %v", m)
		}
		c.AwaitInput(time.Millisecond) // the client gives its read buffer back
	}
	b.StopTimer()
	// Idle: the readers park after 100 ms without input (in ws's poller
	// on Linux, else on a goroutine each), the writers retire after 100
	// ms with nothing to write. Wait for that state.
	want := before.goroutines + 2 // the poller, a straggler
	if runtime.GOOS != "linux" {
		want += b.N
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want || (runtime.GOOS == "linux" && ws.IdleWaiters() < b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("not idle after 10 s: %d goroutines (want at most %d), %d of %d sessions in the poller", runtime.NumGoroutine(), want, ws.IdleWaiters(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	after := idleMem()
	n := float64(b.N)
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/session")
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-B/session")
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-B/session")
}

type memPoint struct {
	goroutines  int
	stack, heap int64
}

func idleMem() memPoint {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memPoint{runtime.NumGoroutine(), int64(ms.StackInuse), int64(ms.HeapAlloc)}
}
