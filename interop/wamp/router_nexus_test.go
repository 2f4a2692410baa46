package wamp

import (
	"context"
	"io"
	"log"
	"math"
	"testing"
	"time"

	nexusclient "github.com/gammazero/nexus/v3/client"
	nexusserialize "github.com/gammazero/nexus/v3/transport/serialize"
	nexuswamp "github.com/gammazero/nexus/v3/wamp"
)

// TestRouterNexusClient runs two gammazero/nexus v3.3.0 clients against our
// router over WebSocket and RawSocket with JSON, MessagePack and CBOR: a
// callee with progressive results and a prefix subscription, a caller and
// publisher. Arguments (non-ASCII, int64 extremes, bytes — with JSON too,
// as "\x00"+base64 strings) must come back as sent; errors keep their URI and
// arguments; events carry their topic.
func TestRouterNexusClient(t *testing.T) {
	sers := []struct {
		name string
		s    nexusserialize.Serialization
	}{{"json", nexusserialize.JSON}, {"msgpack", nexusserialize.MSGPACK}, {"cbor", nexusserialize.CBOR}}
	tr := startRouter(t)
	for _, transport := range []string{"ws", "tcp"} {
		for _, ser := range sers {
			t.Run(transport+"."+ser.name, func(t *testing.T) {
				url := tr.wsURL
				if transport == "tcp" {
					url = "tcp://" + tr.rsAddr
				}
				connect := func() *nexusclient.Client {
					c, err := nexusclient.ConnectNet(ctxT(t), url, nexusclient.Config{Realm: routerRealm,
						Serialization: ser.s, Logger: log.New(io.Discard, "", 0)})
					if err != nil {
						t.Fatalf("nexus client: %v", err)
					}
					t.Cleanup(func() { c.Close() })
					return c
				}
				callee, caller := connect(), connect()
				runNexusPair(t, callee, caller)
			})
		}
	}
}

func runNexusPair(t *testing.T, callee, caller *nexusclient.Client) {
	args := nexuswamp.List{1, pyText, nexuswamp.List{int64(math.MaxInt64), int64(math.MinInt64), 0, -1}, nexuswamp.Dict{"nested": nexuswamp.List{nil, true, false, 1.5}}}
	args = append(args, pyBytes)
	kwargs := nexuswamp.Dict{"ü": pyText, "b": pyBytes}
	want := canonical([]any{args, kwargs})

	proc := "nx.echo"
	if err := callee.Register(proc, func(ctx context.Context, inv *nexuswamp.Invocation) nexusclient.InvokeResult {
		for i := 0; i < 3; i++ {
			if err := callee.SendProgress(ctx, nexuswamp.List{i}, nil); err != nil {
				return nexusclient.InvokeResult{Err: "nx.progress_failed"}
			}
		}
		return nexusclient.InvokeResult{Args: inv.Arguments, Kwargs: inv.ArgumentsKw}
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := callee.Register("nx.fail", func(context.Context, *nexuswamp.Invocation) nexusclient.InvokeResult {
		return nexusclient.InvokeResult{Err: "com.example.error", Args: nexuswamp.List{"κ", 1}}
	}, nil); err != nil {
		t.Fatal(err)
	}
	var progress []any
	res, err := caller.Call(ctxT(t), proc, nil, args, kwargs, func(r *nexuswamp.Result) { progress = append(progress, r.Arguments...) })
	if err != nil {
		t.Fatal(err)
	}
	if got := canonical([]any{res.Arguments, res.ArgumentsKw}); got != want {
		t.Errorf("call result:\n got %s\nwant %s", got, want)
	}
	if got := canonical(progress); got != "[0,1,2]" {
		t.Errorf("progressive results %s, want [0,1,2]", got)
	}
	_, err = caller.Call(ctxT(t), "nx.fail", nil, nil, nil, nil)
	if rerr, ok := err.(nexusclient.RPCError); !ok || rerr.Err.Error != "com.example.error" || canonical(rerr.Err.Arguments) != `["κ",1]` {
		t.Errorf("nx.fail: %v, want com.example.error [κ 1]", err)
	}

	events := make(chan *nexuswamp.Event, 1)
	if err := callee.SubscribeChan("nx.pre", events, nexuswamp.Dict{"match": "prefix"}); err != nil {
		t.Fatal(err)
	}
	if err := caller.Publish("nx.pre.a", nexuswamp.Dict{"acknowledge": true}, args, kwargs); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if got := canonical([]any{e.Arguments, e.ArgumentsKw}); got != want {
			t.Errorf("event:\n got %s\nwant %s", got, want)
		}
		if e.Details["topic"] != "nx.pre.a" {
			t.Errorf("event topic %v, want nx.pre.a", e.Details["topic"])
		}
	case <-time.After(10 * time.Second):
		t.Errorf("no event")
	}
}
