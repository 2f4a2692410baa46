package main

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// start runs an instance until the test ends.
func start(t *testing.T, args ...string) addrs {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan addrs, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, func(a addrs) { ready <- a }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case a := <-ready:
		return a
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not serving")
	}
	return addrs{}
}

func join(t *testing.T, a addrs) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := websocket.Dial(ctx, "ws://"+a.ws+"/ws", websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Two instances, the second joining the first's embedded NATS server:
// a WebSocket client on one calls a callee on the other.
func TestTwoInstances(t *testing.T) {
	first := start(t, "--listen", "127.0.0.1:0", "--nats-embedded", "--nats-listen", "127.0.0.1:0", "--heartbeat", "50ms", "--ttl", "10s")
	if first.nats == "" {
		t.Fatal("no NATS URL for the embedded server")
	}
	second := start(t, "--listen", "127.0.0.1:0", "--nats", first.nats, "--heartbeat", "50ms", "--ttl", "10s")
	callee, caller := join(t, second), join(t, first)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := callee.Register(ctx, "com.example.hello", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{"hello from the second"}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	for {
		res, err := caller.Call(ctx, "com.example.hello", nil, nil, nil)
		var we *client.Error
		if errors.As(err, &we) && we.URI == wamp.ErrNoSuchProcedure && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if res.Args[0] != "hello from the second" {
			t.Fatalf("result %v", res.Args)
		}
		return
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--nats", "nats://127.0.0.1:1", "--nats-embedded"},
		{"--nats-embedded", "--nats-listen", "nonsense"},
		{"--bogus"},
	} {
		if err := run(context.Background(), args, io.Discard, nil); err == nil {
			t.Errorf("run(%q) accepted", args)
		}
	}
}
