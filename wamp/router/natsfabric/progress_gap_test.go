package natsfabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// A callee's router played by hand on NATS answers with progressive
// results of which one is missing: the caller gets the ones before the
// gap, then ERROR wamp.error.canceled, and the callee's router gets a
// CANCEL killnowait for the call; likewise when the final answer counts
// more progressive results than arrived. A complete stream goes through.
func TestProgressGapEndsCall(t *testing.T) {
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	conn := func() *nats.Conn {
		nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
		if err != nil {
			t.Fatal(err)
		}
		return nc
	}
	nc, peer := conn(), conn()
	defer nc.Close()
	defer peer.Close()
	f := New(nc, Options{Heartbeat: 50 * time.Millisecond, TTL: 10 * time.Second})
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: f})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		f.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Close(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The peer: announces com.example.gap, takes the calls to it.
	calls, err := peer.SubscribeSync(controlPrefix + "fake.call")
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeAnnounce(&announcement{node: "fake", seq: 1, regs: map[wamp.URI][]router.FabricRegistration{
		"realm1": {{Procedure: "com.example.gap", Match: wamp.MatchExact, Policy: router.InvokeSingle}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.Publish(announceSubject, b); err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	type answer struct {
		got []int64
		err error
	}
	call := func() <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			var a answer
			_, a.err = s.Call(ctx, "com.example.gap", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
				i, _ := wamp.AsInt64(r.Args[0])
				a.got = append(a.got, i)
			}})
			ch <- a
		}()
		return ch
	}
	next := func() *nats.Msg {
		t.Helper()
		m, err := calls.NextMsg(15 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	progress := func(reply string, seq uint64) {
		b, err := encodeProgress(seq, &wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{int64(seq)}})
		if err != nil {
			t.Fatal(err)
		}
		peer.Publish(reply, b)
	}
	final := func(reply string, count string) {
		b, _ := encodeAnswer(&wamp.Result{Args: wamp.List{"done"}})
		msg := &nats.Msg{Subject: reply, Data: b, Header: nats.Header{}}
		if count != "" {
			msg.Header.Set(progressHeader, count)
		}
		peer.PublishMsg(msg)
	}
	check := func(a answer, want int, uri wamp.URI) {
		t.Helper()
		var we *client.Error
		switch {
		case uri == "" && a.err != nil, uri != "" && (!errors.As(a.err, &we) || we.URI != uri):
			t.Fatalf("answer %v, want %q", a.err, uri)
		case len(a.got) != want:
			t.Fatalf("%d progressive results %v, want %d", len(a.got), a.got, want)
		}
	}

	// Calls fail with no_such_procedure until A knows the peer's callee.
	var first answer
	var m *nats.Msg
	deadline := time.Now().Add(15 * time.Second)
retry:
	for {
		ch := call()
		for m == nil {
			select {
			case a := <-ch:
				var we *client.Error
				if !errors.As(a.err, &we) || we.URI != wamp.ErrNoSuchProcedure || time.Now().After(deadline) {
					t.Fatalf("the call did not reach the peer: %v", a.err)
				}
				time.Sleep(5 * time.Millisecond)
				continue retry
			default:
			}
			m, _ = calls.NextMsg(10 * time.Millisecond)
		}
		// A gap: 1, then 3.
		progress(m.Reply, 1)
		progress(m.Reply, 3)
		first = <-ch
		break
	}
	check(first, 1, wamp.ErrCanceled)
	if c := next(); c.Reply != m.Reply || peekKind(c.Data) != kindCancel {
		t.Fatalf("peer got %v, want the CANCEL of the call", c)
	} else if mode, _ := decodeCancel(c.Data); mode != "killnowait" {
		t.Fatalf("CANCEL %q, want killnowait", mode)
	}

	// The final answer counts two, one arrived.
	ch := call()
	m = next()
	progress(m.Reply, 1)
	final(m.Reply, "2")
	check(<-ch, 1, wamp.ErrCanceled)

	// Complete.
	ch = call()
	m = next()
	progress(m.Reply, 1)
	progress(m.Reply, 2)
	final(m.Reply, "2")
	check(<-ch, 2, "")
}
