package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	wampjson "github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

var testSerializers = []wamp.Serializer{wampjson.Serializer{}, cbor.Serializer{}, msgpack.Serializer{}}

// testRouter serves our router (realm1, anonymous) over WebSocket and
// RawSocket on loopback ports until the test ends; it returns both URLs.
func testRouter(t *testing.T) (wsURL, rsURL string) {
	t.Helper()
	return testRouterWrap(t, func(c wamp.Transport) wamp.Transport { return c })
}

// testRouterWrap is testRouter with each WebSocket transport wrapped.
func testRouterWrap(t *testing.T, wrap func(wamp.Transport) wamp.Transport) (wsURL, rsURL string) {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: testSerializers})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), wrap(c))
		}
	})}
	go srv.Serve(ln)
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := rln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: testSerializers})
				if err != nil {
					nc.Close()
					return
				}
				r.ServeTransport(context.Background(), c)
			}()
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		rln.Close()
		r.Close(context.Background())
		wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/ws", "rs://" + rln.Addr().String()
}

func checkWAMPCounts(t *testing.T, res *WAMPResult) {
	t.Helper()
	if r := res.RPC; r != nil {
		if r.Calls != r.Answered+r.Errors {
			t.Errorf("calls %d != answered %d + errors %d", r.Calls, r.Answered, r.Errors)
		}
		if r.Answered == 0 || r.Errors != 0 {
			t.Errorf("answered %d, errors %d (%s): want some answers and no errors at this load", r.Answered, r.Errors, r.FirstError)
		}
		if r.Latency.Count != r.Answered || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P50 {
			t.Errorf("latency %+v for %d answers", r.Latency, r.Answered)
		}
	}
	if p := res.PubSub; p != nil {
		if p.Expected != p.Published*uint64(res.Subscribers) {
			t.Errorf("expected %d != published %d × %d", p.Expected, p.Published, res.Subscribers)
		}
		if p.Expected != p.Received+p.Drops {
			t.Errorf("expected %d != received %d + drops %d", p.Expected, p.Received, p.Drops)
		}
		if p.Published == 0 || p.Received == 0 {
			t.Errorf("published %d, received %d", p.Published, p.Received)
		}
		if p.Latency.Count != p.Received {
			t.Errorf("event latencies %d for %d events", p.Latency.Count, p.Received)
		}
	}
}

// Both phases against our router, over WebSocket with each serializer
// and over RawSocket, at a tiny load, with progress and the router's
// /proc figures (the test process is the router).
func TestBenchWAMPRun(t *testing.T) {
	wsURL, rsURL := testRouter(t)
	for _, tc := range []struct{ url, ser string }{
		{wsURL, "json"}, {wsURL, "cbor"}, {wsURL, "msgpack"}, {rsURL, "cbor"},
	} {
		t.Run(tc.ser+"/"+tc.url[:2], func(t *testing.T) {
			var mu sync.Mutex
			var phases []string
			w := &WAMP{URL: tc.url, Serializer: tc.ser, Callers: 2, InFlight: 2, Subscribers: 3, Size: 64,
				EventRate: 2000, Warmup: 20 * time.Millisecond, Duration: 150 * time.Millisecond,
				PID: os.Getpid(), ProgressEvery: 20 * time.Millisecond,
				Progress: func(p Progress) { mu.Lock(); phases = append(phases, p.Phase); mu.Unlock() }}
			res, err := w.Start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkWAMPCounts(t, res)
			if res.PubSub.Drops != 0 {
				t.Errorf("%d drops at 2000 events/s", res.PubSub.Drops)
			}
			if res.RPC.Server == nil || res.PubSub.Server == nil {
				t.Error("no router CPU/RSS with PID set")
			}
			mu.Lock()
			got := strings.Join(phases, ",")
			mu.Unlock()
			if !strings.Contains(got, "rpc measure") || !strings.Contains(got, "pubsub measure") {
				t.Errorf("progress phases %s", got)
			}
			var text bytes.Buffer
			if err := res.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"calls/s", "events/s", "latency distribution", "router CPU"} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("no %q in\n%s", want, text.String())
				}
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var shape map[string]map[string]any
			_ = json.Unmarshal(b, &shape)
			if shape["rpc"]["calls_per_s"] == nil || shape["pubsub"]["drops"] == nil {
				t.Errorf("JSON shape: %s", b)
			}
		})
	}
}

// Unpaced publishing (as fast as Publish returns) keeps the counts
// consistent whatever is dropped; one phase only.
func TestBenchWAMPPubSubUnpaced(t *testing.T) {
	wsURL, _ := testRouter(t)
	res, err := (&WAMP{URL: wsURL, Only: "pubsub", Subscribers: 2, Duration: 100 * time.Millisecond}).Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.RPC != nil {
		t.Error("rpc phase ran with Only pubsub")
	}
	checkWAMPCounts(t, res)
}

func TestBenchWAMPBadConfig(t *testing.T) {
	wsURL, _ := testRouter(t)
	for _, w := range []*WAMP{
		{URL: wsURL, Only: "both"},
		{URL: wsURL, Callers: -1},
		{URL: wsURL, InFlight: MaxWAMPInFlight + 1},
		{URL: wsURL, Size: MaxWAMPPayload + 1},
		{URL: wsURL, Serializer: "xml", Duration: time.Millisecond},
		{URL: "http://127.0.0.1:1/", Duration: time.Millisecond},
		{URL: wsURL, Realm: "no.such.realm", Duration: time.Millisecond},
	} {
		if _, err := w.Start(context.Background()); err == nil {
			t.Errorf("%+v: no error", w)
		}
	}
}
