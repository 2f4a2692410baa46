package wamp

import (
	"context"
	stdjson "encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// TestFlatbuffersPython: Autobahn|Python 22.7.1 (Debian) joins our router
// over WebSocket with "wamp.2.flatbuffers" and subscribes, publishes (to
// itself and to a Go JSON subscriber), receives a Go session's event and
// calls a Go JSON callee, args and kwargs with bytes, non-ASCII text and
// int64 extremes checked on both sides (peers/py_wamp_flatbuffers.py).
//
// Autobahn's FlatBuffersSerializer itself writes and reads PUBLISH and
// EVENT only (case "coverage" checks exactly that); the peer uses it for
// those and Autobahn's flatc-generated schema modules for the rest.
func TestFlatbuffersPython(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import autobahn.wamp.serializer as s, cbor2; s.FlatBuffersSerializer").Run(); err != nil {
		skipOrFail(t, "%s lacks autobahn's FlatBuffersSerializer or cbor2 (%v)", py, err)
	}
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: routerRealm, AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{
			Serializers: []wamp.Serializer{json.Serializer{}, flatbuffers.Serializer{}}})
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		_ = r.ServeTransport(context.Background(), c)
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Close(ctx)
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	// The Go side joins over WebSocket with JSON, so every message between
	// it and the peer is translated by the router.
	ctx := ctxT(t)
	wc, err := websocket.Dial(ctx, url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, wc, routerRealm, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Register(ctx, "go.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "go.publish", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{}, s.Publish(ctx, "py.fb.topic", inv.Args, inv.Kwargs, &client.PublishOptions{Acknowledge: true})
	}, nil); err != nil {
		t.Fatal(err)
	}
	events := make(chan *wamp.Event, 1)
	if _, err := s.Subscribe(ctx, "go.topic", func(e *wamp.Event) {
		select {
		case events <- e:
		default:
		}
	}, nil); err != nil {
		t.Fatal(err)
	}

	cfg, _ := stdjson.Marshal(map[string]any{"url": url, "realm": routerRealm})
	cmd := exec.CommandContext(peerCtx(t, 60*time.Second), py, filepath.Join("..", "peers", "py_wamp_flatbuffers.py"), string(cfg))
	res := runPeer(t, cmd)
	res.requireCases(t, "subprotocol", "coverage", "join", "subscribe", "published", "publish_self_event",
		"publish_go", "event_from_go", "call_echo", "call_error", "goodbye", "end")

	var coverage map[string]bool
	if err := stdjson.Unmarshal(res.lines["coverage"].Got, &coverage); err != nil {
		t.Fatal(err)
	}
	for name, can := range coverage {
		if want := name == "PUBLISH" || name == "EVENT"; can != want {
			t.Errorf("Autobahn's FlatBuffersSerializer writes %s: %v, expected %v (update the docs)", name, can, want)
		}
	}

	select {
	case e := <-events:
		want := []any{
			wamp.List{int64(1), "κόσμε 🚀 \"quoted\"", []byte{0, 1, 2, 0xff, 0x80},
				wamp.Dict{"nested": wamp.List{nil, true, false, 1.5}}, int64(-1 << 63)},
			wamp.Dict{"ü": "κόσμε 🚀 \"quoted\"", "b": []byte{0, 1, 2, 0xff, 0x80}, "n": int64(1<<63 - 1)},
		}
		if got := canonical([]any{e.Args, e.Kwargs}); got != canonical(want) {
			t.Errorf("go.topic event from Autobahn's PUBLISH:\n got %s\nwant %s", got, canonical(want))
		}
	case <-time.After(5 * time.Second):
		t.Error("the Go subscriber got no go.topic event")
	}
}
