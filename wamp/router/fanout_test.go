package router_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// encPipe is the router's end of a Pipe posing as an encoding transport
// (a wamp.EncodedSender of ser): it records every *wamp.Encoded the router
// sends and hands the client its decoding, as a socket would. Its Send
// blocks while the gate is shut (a client that stops reading).
type encPipe struct {
	wamp.Transport
	ser wamp.Serializer

	mu      sync.Mutex
	encoded []*wamp.Encoded
	gate    chan struct{}
}

func (p *encPipe) Serializer() wamp.Serializer { return p.ser }

func (p *encPipe) SendEncoded(ctx context.Context, e *wamp.Encoded) error { return p.Send(ctx, e) }

func (p *encPipe) Send(ctx context.Context, m wamp.Message) error {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if e, ok := m.(*wamp.Encoded); ok {
		if !e.For(p.ser) {
			return errors.New("encPipe: an Encoded of " + e.Serializer.Name())
		}
		p.mu.Lock()
		p.encoded = append(p.encoded, e)
		p.mu.Unlock()
		dm, err := p.ser.Unmarshal(e.Bytes)
		if err != nil {
			return err
		}
		m = dm
	}
	return p.Transport.Send(ctx, m)
}

func (p *encPipe) shut() {
	p.mu.Lock()
	p.gate = make(chan struct{})
	p.mu.Unlock()
}

func (p *encPipe) open() {
	p.mu.Lock()
	close(p.gate)
	p.gate = nil
	p.mu.Unlock()
}

func (p *encPipe) recorded() []*wamp.Encoded {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*wamp.Encoded(nil), p.encoded...)
}

// joinEncoded joins realm1 over an encPipe of ser.
func joinEncoded(t *testing.T, r *router.Router, ser wamp.Serializer) (*client.Session, *encPipe) {
	t.Helper()
	cli, srv := router.Pipe(0)
	p := &encPipe{Transport: srv, ser: ser}
	if err := r.Attach(p); err != nil {
		t.Fatal(err)
	}
	return joinOver(t, cli), p
}

// One publication to the subscribers of one subscription is encoded once
// per serializer: subscribers of the same serializer are sent the very
// same encoding; in-process subscribers still get a plain EVENT.
func TestFanoutEncodesOnce(t *testing.T) {
	r := newRouter(t, nil)
	type sub struct {
		p              *encPipe
		exact, pattern chan *wamp.Event
	}
	var subs []sub
	for _, ser := range []wamp.Serializer{json.Serializer{}, json.Serializer{}, json.Serializer{}, cbor.Serializer{}, cbor.Serializer{}} {
		s, p := joinEncoded(t, r, ser)
		_, exact := subscribe(t, s, "fan.t", nil)
		_, pattern := subscribe(t, s, "fan", &client.SubscribeOptions{Match: wamp.MatchPrefix})
		subs = append(subs, sub{p, exact, pattern})
	}
	local := join(t, r)
	_, localCh := subscribe(t, local, "fan.t", nil)
	pub := join(t, r)
	publish(t, pub, "fan.t", wamp.List{[]byte{0, 0xff}, "é"}, &client.PublishOptions{DiscloseMe: true})

	check := func(e *wamp.Event, topic string) {
		t.Helper()
		if b, ok := e.Args[0].([]byte); !ok || !bytes.Equal(b, []byte{0, 0xff}) || e.Args[1] != "é" {
			t.Fatalf("event args %#v", e.Args)
		}
		if id, _ := wamp.AsID(e.Details["publisher"]); id != pub.ID() {
			t.Fatalf("event details %v: publisher is not %d", e.Details, pub.ID())
		}
		if got, _ := e.Details["topic"].(string); got != topic {
			t.Fatalf("event details %v: topic %q, want %q", e.Details, got, topic)
		}
	}
	for _, s := range subs {
		check(next(t, s.exact), "")
		check(next(t, s.pattern), "fan.t")
	}
	check(next(t, localCh), "")
	// Per subscription and serializer one Encoded, shared.
	first := map[string][2]*wamp.Encoded{}
	for i, s := range subs {
		rec := s.p.recorded()
		var evs []*wamp.Encoded
		for _, e := range rec {
			if e.Type() == wamp.TypeEvent {
				evs = append(evs, e)
			}
		}
		if len(evs) != 2 {
			t.Fatalf("subscriber %d was sent %d encoded EVENTs, want 2", i, len(evs))
		}
		name := s.p.ser.Name()
		f, seen := first[name]
		if !seen {
			first[name] = [2]*wamp.Encoded{evs[0], evs[1]}
			continue
		}
		if !(evs[0] == f[0] && evs[1] == f[1] || evs[0] == f[1] && evs[1] == f[0]) {
			t.Fatalf("subscriber %d (%s) was sent encodings of its own", i, name)
		}
	}
	if first["json"][0] == first["cbor"][0] || first["json"][0] == first["cbor"][1] {
		t.Fatal("json and cbor subscribers share an encoding")
	}
}

// The outbound queue counts an encoded EVENT by its encoded size: a
// subscriber over an encoding transport that stops reading is
// disconnected (SlowDisconnect) once the encodings queued pass the soft
// limit, not before and not much later.
func TestFanoutQueueCountsEncoded(t *testing.T) {
	var logs logBuffer
	r := overloadRouter(t, router.SlowDisconnect, &logs)
	slow, p := joinEncoded(t, r, json.Serializer{})
	subscribe(t, slow, "news", nil)
	pub := join(t, r)
	p.shut()
	const size = 500
	big := wamp.List{strings.Repeat("n", size)}
	n := 0
	for ; ; n++ {
		if _, ok := r.Session(realm1, slow.ID()); !ok {
			break
		}
		if n > 1000 {
			t.Fatal("slow subscriber never disconnected")
		}
		publish(t, pub, "news", big, nil)
	}
	// Each EVENT encodes to size plus at most 100 octets; one more is
	// taken by the writer (still counted) and the last one is refused.
	if lo, hi := softLimit/(size+100), softLimit/size+2; n < lo || n > hi {
		t.Fatalf("disconnected after %d events of %d octets (soft limit %d), want %d..%d", n, size, softLimit, lo, hi)
	}
	if !strings.Contains(logs.String(), "reason="+string(router.ReasonQueueOverflow)) {
		t.Fatalf("log has no reason: %s", logs.String())
	}
	p.open()
	<-slow.Done()
}

// One publication reaches subscribers on every transport and serializer
// with the same content: RawSocket and WebSocket on goroutines and on the
// event loop (encoded once per serializer), and in-process.
func TestFanoutAcrossTransports(t *testing.T) {
	r := newRouter(t, nil)
	url, addr := serveWebSocket(t, r), serveRawSocket(t, r)
	loopURL := serveLoop(t, r, eventloop.Config{Loops: 1})
	subs := map[string]*client.Session{
		"rawsocket json":    joinRawSocket(t, addr, json.Serializer{}),
		"rawsocket cbor":    joinRawSocket(t, addr, cbor.Serializer{}),
		"websocket json":    joinWebSocket(t, url, json.Serializer{}),
		"websocket msgpack": joinWebSocket(t, url, msgpack.Serializer{}),
		"loop json":         joinWebSocket(t, loopURL, json.Serializer{}),
		"loop cbor":         joinWebSocket(t, loopURL, cbor.Serializer{}),
		"pipe":              join(t, r),
	}
	chans := map[string]chan *wamp.Event{}
	for name, s := range subs {
		_, chans[name] = subscribe(t, s, "fan.all", nil)
	}
	pub := join(t, r)
	in := []byte{0, 1, 0x80, 0xff}
	for i := range 3 {
		publish(t, pub, "fan.all", wamp.List{in, int64(i), "é"}, &client.PublishOptions{DiscloseMe: true})
	}
	for name, ch := range chans {
		for i := range 3 {
			e := next(t, ch)
			if b, ok := e.Args[0].([]byte); !ok || !bytes.Equal(b, in) {
				t.Fatalf("%s: event %d args %#v", name, i, e.Args)
			}
			if n, _ := e.Args[1].(int64); n != int64(i) {
				t.Fatalf("%s: event %d out of order: %#v", name, i, e.Args)
			}
			if e.Args[2] != "é" {
				t.Fatalf("%s: event %d args[2] %#v", name, i, e.Args[2])
			}
			if id, _ := wamp.AsID(e.Details["publisher"]); id != pub.ID() {
				t.Fatalf("%s: details %v", name, e.Details)
			}
		}
	}
}
