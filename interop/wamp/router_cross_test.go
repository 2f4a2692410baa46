package wamp

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// TestRouterCrossClient routes one call through three foreign and native
// clients on our router, each with another serializer: Autobahn|Python
// (asyncio, WebSocket CBOR on the router's event loop) calls cross.proc; its callee, AutobahnJS
// (WebSocket MessagePack), publishes what it got to cross.topic and returns
// it; our wamp/client (WebSocket JSON) subscribes. Bytes stay bytes, and
// non-ASCII text and integers up to 2^53 survive every hop: Python checks
// the result, the Go subscriber the event.
func TestRouterCrossClient(t *testing.T) {
	tr := startRouter(t)

	c, err := websocket.Dial(ctxT(t), tr.wsURL, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := client.Join(ctxT(t), c, routerRealm, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	events := make(chan *wamp.Event, 4)
	if _, err := sub.Subscribe(ctxT(t), "cross.topic", func(e *wamp.Event) {
		select {
		case events <- e:
		default:
		}
	}, nil); err != nil {
		t.Fatal(err)
	}

	// The JS callee runs until its stdin closes.
	ctx := peerCtx(t, 60*time.Second)
	js := jsPeer(t, ctx, map[string]any{"url": tr.wsURL, "realm": routerRealm, "serializer": "msgpack",
		"mode": "callee", "proc": "cross.proc", "topic": "cross.topic", "timeout": 50})
	py := pythonPeer(t, ctx, map[string]any{"flavor": "asyncio", "url": tr.loopURL, "realm": routerRealm,
		"serializer": "cbor", "mode": "caller", "proc": "cross.proc", "js_ints": true})
	stdin, err := js.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := js.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var jsErr bytes.Buffer
	js.Stderr = &jsErr
	if err := js.Start(); err != nil {
		t.Fatal(err)
	}
	jsDone := make(chan error, 1)
	var jsOut strings.Builder
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			jsOut.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), `"case":"ready"`) {
				ready <- true
			}
		}
		close(ready)
		jsDone <- js.Wait()
	}()
	defer func() {
		stdin.Close()
		if err := <-jsDone; err != nil || t.Failed() {
			t.Errorf("JS callee (exit %v):\nstdout:\n%s\nstderr:\n%s", err, jsOut.String(), jsErr.String())
		}
	}()
	if !<-ready {
		t.Fatalf("the JS callee did not register:\n%s", jsErr.String())
	}

	res := runPeer(t, py)
	res.requireCases(t, "call_result", "end")

	args := wamp.List{1, pyText, wamp.List{int64(1<<53 - 1), int64(-(1<<53 - 1)), 0, -1}, wamp.Dict{"nested": wamp.List{nil, true, false, 1.5}}, pyBytes}
	kwargs := wamp.Dict{"ü": pyText, "n": int64(1<<53 - 1), "list": wamp.List{1, "x"}, "b": pyBytes}
	select {
	case e := <-events:
		if got, want := canonical([]any{e.Args, e.Kwargs}), canonical([]any{args, kwargs}); got != want {
			t.Errorf("cross.topic event (Python CBOR → JS MessagePack → Go JSON):\n got %s\nwant %s", got, want)
		}
		if _, ok := e.Args[4].([]byte); !ok {
			t.Errorf("bytes arrived as %T", e.Args[4])
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the Go subscriber got no cross.topic event")
	}
}
