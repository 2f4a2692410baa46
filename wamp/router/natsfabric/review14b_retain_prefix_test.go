package natsfabric_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A prefix subscription with get_retained gets the cluster's retained
// events of the topics it matches, even when the realm keeps few topics
// and the NATS subject of the prefix (its whole components) also covers
// topics it does not match, which sort first: those do not use up the
// subscriber router's bounds.
func TestReview14bRetainedPrefixBoundsCountMatchesOnly(t *testing.T) {
	ns := startJS(t)
	a := newNodeWith(t, ns, jsOpts, retainRealm(realm1))
	b := newNodeWith(t, ns, jsOpts, router.RealmConfig{Name: realm1, AllowAnonymous: true, RetainedTopics: 1})
	pub := a.join(t)
	for i, topic := range []wamp.URI{"com.example.ret.a", "com.example.ret.b", "com.example.ret.zone"} {
		if err := pub.Publish(ctxT(t), topic, wamp.List{string(topic)}, nil,
			&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
		waitStream(t, a.nc, "WAMPFAB_RETAINED", uint64(i+1))
	}
	s, other := b.join(t), b.join(t)
	got := retainedThenMarker(t, s, other, "com.example.ret.z", wamp.MatchPrefix)
	if len(got) != 1 || got[0].Args[0] != "com.example.ret.zone" {
		t.Fatalf("prefix com.example.ret.z with RetainedTopics 1: retained events %v, want [com.example.ret.zone]", eventArgs(got))
	}
}
