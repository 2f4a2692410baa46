package ws

import (
	"net"
	"net/http"
	"reflect"
	"testing"
)

// Connections whose unresolved Options resolve to the same content share
// one resolved copy, which later changes to the caller's Options do not
// reach.
func TestResolvedOptionsInterned(t *testing.T) {
	newOpts := func() *Options {
		return &Options{MaxMessagePayload: 12345, Subprotocols: []string{"wamp.2.json"}, AllowedOrigins: []string{"a.example"}}
	}
	a, b := newOpts(), newOpts()
	ra, rb := a.resolved(), b.resolved()
	if ra != rb {
		t.Fatal("equal Options resolved to two copies")
	}
	if ra == a || ra.MaxMessagePayload != 12345 || ra.MaxFramePayload != DefaultMaxFramePayload || !ra.complete {
		t.Fatalf("resolved = %+v", ra)
	}
	// Changing a caller's value (its fields or its slices' elements)
	// reaches neither the shared copy nor later connections.
	a.MaxMessagePayload = 1
	a.Subprotocols[0] = "changed"
	b.AllowedOrigins[0] = "changed"
	if ra.MaxMessagePayload != 12345 || ra.Subprotocols[0] != "wamp.2.json" || ra.AllowedOrigins[0] != "a.example" {
		t.Fatalf("shared copy changed with the caller's Options: %+v", ra)
	}
	if r := a.resolved(); r == ra || r.MaxMessagePayload != 1 || r.Subprotocols[0] != "changed" {
		t.Fatalf("changed Options resolved to %+v", r)
	}
	if r := newOpts().resolved(); r != ra {
		t.Fatal("equal Options after a change resolved to another copy")
	}
	// Different content, or nil against empty slices, never share.
	c := newOpts()
	c.Subprotocols = []string{"wamp.2", ".json"}
	d := newOpts()
	d.AllowedOrigins = []string{}
	for _, o := range []*Options{c, d} {
		if o.resolved() == ra {
			t.Fatalf("%+v shares %+v", o, ra)
		}
	}
	// Client-only fields that cannot be compared: a copy of one's own.
	h := newOpts()
	h.Header = http.Header{"X": {"y"}}
	if h1, h2 := h.resolved(), h.resolved(); h1 == h2 {
		t.Fatal("Options with a Header were shared")
	}
	// Resolve still returns a copy of the caller's own.
	if r1, r2 := newOpts().Resolve(), newOpts().Resolve(); r1 == r2 {
		t.Fatal("Resolve returned a shared copy")
	}
	// Connections made with nil Options share theirs.
	p1, p2 := net.Pipe()
	c1 := NewConn(p1, RoleServer, nil, Negotiated{}, nil)
	c2 := NewConn(p2, RoleClient, nil, Negotiated{}, nil)
	if c1.opts != c2.opts {
		t.Error("two connections with nil Options hold two copies")
	}
	c1.CloseNow()
	c2.CloseNow()
}

// optKey must cover every field of Options: a field added to Options must
// be added to optKey (or make internResolved refuse to share).
func TestOptKeyCoversOptions(t *testing.T) {
	// 13 scalars, 3 pointers (MemoryBudget, TLSConfig, Logger), 2 string
	// slices by content, Extensions by identity, 3 refused (Header,
	// NetDial, Proxy), complete (always true once resolved).
	const covered = 13 + 3 + 2 + 1 + 3 + 1
	if n := reflect.TypeFor[Options]().NumField(); n != covered {
		t.Fatalf("Options has %d fields, optKey covers %d: update optintern.go", n, covered)
	}
}
