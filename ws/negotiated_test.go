package ws

import (
	"slices"
	"testing"
	"time"
	"unsafe"
)

// TestNegotiatedPerOptions: the negotiated record, which holds a
// connection's Options, is shared by the connections made with the same
// Options that agreed on the same (a server's, as a rule), and each
// connection sees its own Options: MaxMessagePayload and PingInterval
// take effect per connection. A codec gets a record of its own (its
// strings and Options shared); Options resolved for one connection alone
// are not cached.
func TestNegotiatedPerOptions(t *testing.T) {
	newPush := func(o *Options, neg Negotiated) PushConn {
		pc := NewPushConn(&fakeOutput{}, RoleServer, neg, o, OutputBounds{})
		t.Cleanup(func() { _ = pc.Conn().CloseNow() })
		return pc
	}
	small := (&Options{MaxMessagePayload: 10, PingInterval: 30 * time.Millisecond, PingTimeout: time.Hour}).Resolve()
	large := (&Options{MaxMessagePayload: 1000, PingInterval: 100 * 24 * time.Hour}).Resolve()
	a1, a2, b := newPush(small, Negotiated{}).Conn(), newPush(small, Negotiated{}).Conn(), newPush(large, Negotiated{}).Conn()
	if a1.negotiated != a2.negotiated {
		t.Fatal("two connections with the same Options hold two records")
	}
	if a1.opts != small || b.opts != large || a1.negotiated == b.negotiated {
		t.Fatalf("Options %p and %p, want %p and %p (records %p, %p)", a1.opts, b.opts, small, large, a1.negotiated, b.negotiated)
	}
	if a1.clock != clockFor(small) || b.clock != clockFor(large) || b.clock == a1.clock {
		t.Fatalf("stamp clocks %d and %d", a1.clock, b.clock)
	}
	s1, s2 := newPush(small, Negotiated{Subprotocol: "wamp.2.json"}).Conn(), newPush(small, Negotiated{Subprotocol: "wamp.2.json"}).Conn()
	if s1.negotiated != s2.negotiated || s1.negotiated == a1.negotiated || s1.Subprotocol() != "wamp.2.json" || s1.opts != small {
		t.Fatalf("subprotocol records %p, %p (none: %p), %q", s1.negotiated, s2.negotiated, a1.negotiated, s1.Subprotocol())
	}
	if u1, u2 := newPush(&Options{MaxMessagePayload: 77, PingInterval: -1}, Negotiated{}).Conn(), newPush(&Options{MaxMessagePayload: 77, PingInterval: -1}, Negotiated{}).Conn(); u1.negotiated != u2.negotiated || u1.opts.MaxMessagePayload != 77 {
		t.Fatal("two connections with equal unresolved Options hold two records")
	}
	neg := Negotiated{Extensions: "x-rle", Codec: &rleCodec{}}
	x1 := newPush(small, neg).Conn()
	neg.Codec = &rleCodec{}
	x2 := newPush(small, neg).Conn()
	if x1.negotiated == x2.negotiated || x1.codec == x2.codec || x1.opts != small || x2.opts != small ||
		x1.Extensions() != "x-rle" || unsafe.StringData(x1.extensions) != unsafe.StringData(x2.extensions) {
		t.Fatalf("codec records %+v, %+v", *x1.negotiated, *x2.negotiated)
	}
	negCache.Lock()
	cached := len(negCache.m)
	negCache.Unlock()
	hdr := func() *Options { return &Options{Header: map[string][]string{"X": {"y"}}, PingInterval: -1} }
	if h1, h2 := newPush(hdr(), Negotiated{}).Conn(), newPush(hdr(), Negotiated{}).Conn(); h1.negotiated == h2.negotiated || h1.opts == h2.opts || h1.opts.Header == nil {
		t.Fatal("Options with a Header share a record")
	}
	negCache.Lock()
	if n := len(negCache.m); n != cached {
		t.Errorf("Options resolved for one connection alone were cached: %d records, was %d", n, cached)
	}
	negCache.Unlock()

	// MaxMessagePayload: 100 bytes fail a1 (1009) and reach b's handler.
	ha, hb := &idleHandler{}, &idleHandler{}
	if (PushConn{a1}).Feed(rawFrame(true, OpBinary, 100), ha) || len(ha.msgs) != 0 {
		t.Fatalf("100 bytes over a limit of 10: open, messages %q", ha.msgs)
	}
	if !(PushConn{b}).Feed(rawFrame(true, OpBinary, 100), hb) || len(hb.msgs) != 1 {
		t.Fatalf("100 bytes within a limit of 1000: messages %q", hb.msgs)
	}
	// PingInterval: a2 is pinged (30 ms), b's first check is 100 days away.
	var out []string
	waitFor(t, "a2's keepalive ping", func() bool {
		out = append(out, messages(t, take(a2))...)
		return slices.Contains(out, "ping:")
	})
	g := keepaliveOf(b)
	g.mu.Lock()
	due := g.due.at(int(b.keepaliveSlot)-1).at - time.Since(g.epoch)
	g.mu.Unlock()
	if due < 99*24*time.Hour {
		t.Fatalf("b's keepalive check is due in %v, want about 100 days", due)
	}
}

// TestNegotiatedCacheBound: past negCacheMax records, a connection gets
// a record of its own, with its own Options.
func TestNegotiatedCacheBound(t *testing.T) {
	negCache.Lock()
	saved := negCache.m
	negCache.m = map[negKey]*negotiated{}
	for range negCacheMax {
		negCache.m[negKey{opts: new(Options)}] = &negotiated{}
	}
	negCache.Unlock()
	t.Cleanup(func() {
		negCache.Lock()
		negCache.m = saved
		negCache.Unlock()
	})
	o := (&Options{PingInterval: -1, MaxMessagePayload: 5}).Resolve()
	c1 := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{Subprotocol: "p"}, o, OutputBounds{}).Conn()
	c2 := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{Subprotocol: "p"}, o, OutputBounds{}).Conn()
	t.Cleanup(func() { _ = c1.CloseNow(); _ = c2.CloseNow() })
	if c1.negotiated == c2.negotiated || c1.opts != o || c2.opts != o || c2.Subprotocol() != "p" {
		t.Fatalf("past the bound: records %p, %p, Options %p, %p (want %p)", c1.negotiated, c2.negotiated, c1.opts, c2.opts, o)
	}
	negCache.Lock()
	defer negCache.Unlock()
	if len(negCache.m) != negCacheMax {
		t.Fatalf("%d records cached, bound %d", len(negCache.m), negCacheMax)
	}
}
