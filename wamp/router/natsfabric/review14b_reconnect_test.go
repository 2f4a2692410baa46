package natsfabric_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// reconnectGate holds a NATS connection's reconnect until the test lets
// it go: reconnecting says it is waiting (the connection is down).
type reconnectGate struct {
	reconnecting chan struct{} // buffer 1
	release      chan struct{}
	once         sync.Once
}

func newReconnectGate(t *testing.T) *reconnectGate {
	g := &reconnectGate{reconnecting: make(chan struct{}, 1), release: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *reconnectGate) open() { g.once.Do(func() { close(g.release) }) }

func (g *reconnectGate) delay(int) time.Duration {
	select {
	case g.reconnecting <- struct{}{}:
	default:
	}
	<-g.release
	return 0
}

// newReconnectingNode is newNode on a NATS connection that reconnects,
// through gate.
func newReconnectingNode(t *testing.T, ns *server.Server, opts natsfabric.Options, gate *reconnectGate) *node {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.MaxReconnects(-1), nats.CustomReconnectDelay(gate.delay))
	if err != nil {
		t.Fatal(err)
	}
	f := natsfabric.New(nc, opts)
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}, Fabric: f})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	n := &node{r: r, f: f, nc: nc}
	t.Cleanup(func() {
		gate.open()
		if err := f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("fabric Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
		nc.Close()
	})
	return n
}

// The caller's router loses its NATS connection while a call runs on
// another router, whose answer comes while it is away and is lost: once
// the connection is back, the call ends with ERROR wamp.error.canceled
// rather than never, and the callee's router can be called again.
func TestReview14bCallAnswerLostInReconnect(t *testing.T) {
	ns := startNATS(t)
	gate := newReconnectGate(t)
	a := newReconnectingNode(t, ns, testOpts, gate)
	c := newNode(t, ns, testOpts)
	bl := newBlocker()
	defer close(bl.release)
	callee, caller := c.join(t), a.join(t)
	if _, err := callee.Register(ctxT(t), "com.example.slow", bl.handle, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callee.Register(ctxT(t), "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() {
		_, err := caller.Call(ctxT(t), "com.example.slow", nil, nil, nil)
		errs <- err
	}()
	select {
	case <-bl.started:
	case <-time.After(15 * time.Second):
		t.Fatal("the callee did not get the call")
	}

	// Cut A off, and wait until the NATS server has none of its
	// subscriptions (the answers to its calls go nowhere).
	id, err := a.nc.GetClientID()
	if err != nil {
		t.Fatal(err)
	}
	replies := "wampfab." + a.f.Node() + ".reply.1"
	if !ns.GlobalAccount().SubscriptionInterest(replies) {
		t.Fatalf("no interest in %s before the cut: the test does not know the reply subjects", replies)
	}
	if err := ns.DisconnectClientByID(id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.reconnecting:
	case <-time.After(15 * time.Second):
		t.Fatal("the cut connection did not try to reconnect")
	}
	deadline := time.Now().Add(15 * time.Second)
	for ns.GlobalAccount().SubscriptionInterest(replies) {
		if time.Now().After(deadline) {
			t.Fatal("the NATS server kept the cut connection's subscriptions")
		}
		time.Sleep(time.Millisecond)
	}

	// The callee answers while A is away; a spy sees the answer cross
	// the NATS server, to nobody else.
	spy, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	seen, err := spy.SubscribeSync("wampfab." + a.f.Node() + ".reply.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := spy.Flush(); err != nil {
		t.Fatal(err)
	}
	bl.release <- struct{}{}
	if _, err := seen.NextMsg(15 * time.Second); err != nil {
		t.Fatalf("the callee's answer did not cross NATS: %v", err)
	}

	gate.open()
	select {
	case err := <-errs:
		if errorURI(err) != wamp.ErrCanceled {
			t.Fatalf("call whose answer was lost: %v, want %s", err, wamp.ErrCanceled)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("a call whose answer was lost in a reconnect got no answer")
	}
	if _, err := callWhenRegistered(t, caller, "com.example.echo", wamp.List{"again"}, nil); err != nil {
		t.Fatalf("call after the reconnect: %v", err)
	}
}
