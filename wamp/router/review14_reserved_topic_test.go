package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A client cannot publish to a wamp.* topic: those are the router's meta
// events (the spec reserves the first URI component "wamp"), and a
// subscriber to wamp.session.on_leave must be able to trust that a
// session did leave. An acknowledged PUBLISH gets ERROR
// wamp.error.invalid_uri (as Crossbar answers); a testament to such a
// topic is refused the same way. The router's own meta events still
// arrive.
func TestReview14ClientCannotForgeMetaEvents(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	_, ch := subscribe(t, obs, "wamp.session.on_leave", nil)
	forger := join(t, r)
	victim := join(t, r)
	err := forger.Publish(ctxT(t), "wamp.session.on_leave", wamp.List{uint64(victim.ID()), "x", "anonymous"}, nil,
		&client.PublishOptions{Acknowledge: true})
	if !isWampError(err, wamp.ErrInvalidURI) {
		t.Fatalf("PUBLISH to wamp.session.on_leave: %v, want ERROR %s", err, wamp.ErrInvalidURI)
	}
	// Unacknowledged, it is dropped.
	if err := forger.Publish(ctxT(t), "wamp.session.on_leave", wamp.List{uint64(victim.ID()), "x", "anonymous"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	metaRefused(t, forger, "wamp.session.add_testament", wamp.List{"wamp.session.on_leave", wamp.List{uint64(victim.ID())}}, nil, wamp.ErrInvalidURI)
	// The first on_leave obs sees is the forger's own, real one.
	id := forger.ID()
	forger.Close()
	e := next(t, ch)
	if got, _ := wamp.AsID(e.Args[0]); got != id {
		t.Fatalf("on_leave about %v, want the forger %d", e.Args, id)
	}
}
