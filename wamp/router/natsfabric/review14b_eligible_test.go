package natsfabric_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// The subscribers' router applies every eligible list given, together
// (WAMP spec: a subscriber must be on each), as the publisher's router
// does for its own subscribers; an empty eligible list reaches nobody.
func TestReview14bEligibleListsIntersectAcrossRouters(t *testing.T) {
	a, b, _ := cluster(t)
	s1, s2, pub := a.join(t), a.join(t), b.join(t)
	local := b.join(t)
	const topic = "com.example.eligible"
	ev1, ev2, evLocal := collect(t, s1, topic), collect(t, s2, topic), collect(t, local, topic)
	authid2, _ := s2.Details()["authid"].(string)
	authidLocal, _ := local.Details()["authid"].(string)
	if authid2 == "" || authidLocal == "" {
		t.Fatalf("no authids in WELCOME: %v %v", s2.Details(), local.Details())
	}
	ctx := ctxT(t)
	publish := func(arg string, o *client.PublishOptions) {
		t.Helper()
		o.Acknowledge = true
		if err := pub.Publish(ctx, topic, wamp.List{arg}, nil, o); err != nil {
			t.Fatal(err)
		}
	}
	// Eligible by ID: s1, s2 and local; by authid: s2 and local. Only s2
	// and local are on both.
	publish("both", &client.PublishOptions{Eligible: []wamp.ID{s1.ID(), s2.ID(), local.ID()},
		EligibleAuthID: []string{authid2, authidLocal}})
	publish("nobody", &client.PublishOptions{Eligible: []wamp.ID{}})
	publish("all", &client.PublishOptions{})
	if e := next(t, ev1); e.Args[0] != "all" {
		t.Fatalf("s1 (eligible by ID only) got %v first, want all", e.Args)
	}
	for name, ch := range map[string]<-chan *wamp.Event{"s2": ev2, "local": evLocal} {
		if e := next(t, ch); e.Args[0] != "both" {
			t.Fatalf("%s got %v first, want both", name, e.Args)
		}
		if e := next(t, ch); e.Args[0] != "all" {
			t.Fatalf("%s got %v second, want all (the empty eligible list reaches nobody)", name, e.Args)
		}
	}
}
