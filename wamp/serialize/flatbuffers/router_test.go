package flatbuffers_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestRouterTranslates: a FlatBuffers session calls a JSON callee and
// subscribes to a JSON publisher's topic through the router over
// WebSocket; binary values stay binary on the way both ways.
func TestRouterTranslates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) }) // cleanups run last in, first out: sessions first
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{
			Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}, flatbuffers.Serializer{}}})
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		r.ServeTransport(context.Background(), c)
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); wg.Wait() })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	joinWS := func(s wamp.Serializer) *client.Session {
		c, err := websocket.Dial(ctx, url, websocket.Options{Serializers: []wamp.Serializer{s}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Subprotocol() != websocket.Subprotocol(s, false) {
			t.Fatalf("subprotocol %q", c.Subprotocol())
		}
		sess, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
		if err != nil {
			t.Fatalf("%s: join: %v", s.Name(), err)
		}
		t.Cleanup(func() { sess.Close() })
		return sess
	}
	callee := joinWS(json.Serializer{})
	if _, err := callee.Register(ctx, "com.example.bytes", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		b, ok := inv.Args[0].([]byte)
		if !ok {
			return nil, errors.New("argument is not bytes")
		}
		return &client.Result{Args: wamp.List{append(b, 0xff)}, Kwargs: wamp.Dict{"n": int64(len(b))}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	fbSess := joinWS(flatbuffers.Serializer{})
	in := []byte{0, 1, 0x80, 'x'}
	res, err := fbSess.Call(ctx, "com.example.bytes", wamp.List{in}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := res.Args[0].([]byte); !ok || !bytes.Equal(b, append(in, 0xff)) || res.Kwargs["n"] != int64(len(in)) {
		t.Fatalf("result %#v %#v", res.Args, res.Kwargs)
	}

	events := make(chan *wamp.Event, 1)
	if _, err := fbSess.Subscribe(ctx, "com.example.topic", func(e *wamp.Event) { events <- e }, nil); err != nil {
		t.Fatal(err)
	}
	publisher := joinWS(json.Serializer{})
	if err := publisher.Publish(ctx, "com.example.topic", wamp.List{in, "text"}, wamp.Dict{"k": 1.5}, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if b, ok := e.Args[0].([]byte); !ok || !bytes.Equal(b, in) || e.Args[1] != "text" || e.Kwargs["k"] != 1.5 {
			t.Fatalf("event %#v %#v", e.Args, e.Kwargs)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
	// And the other way: the FlatBuffers session publishes, a JSON session receives.
	jsonEvents := make(chan *wamp.Event, 1)
	if _, err := publisher.Subscribe(ctx, "com.example.back", func(e *wamp.Event) { jsonEvents <- e }, nil); err != nil {
		t.Fatal(err)
	}
	if err := fbSess.Publish(ctx, "com.example.back", wamp.List{in}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-jsonEvents:
		if b, ok := e.Args[0].([]byte); !ok || !bytes.Equal(b, in) {
			t.Fatalf("event %#v", e.Args)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
}
