package router_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// metaFabric is a fakeFabric that also implements router.FabricInterest
// and router.FabricSessions: it holds the SUBSCRIBEs the test says to,
// records the subscription changes and plays the other routers' sessions.
type metaFabric struct {
	*fakeFabric
	hold     chan func()   // Interest's ready, when holding
	subs     chan string   // "+topic match" / "-topic match"
	sessions chan wamp.URI // SessionsChanged
	mu       sync.Mutex    // guards holding and remote
	holding  bool          // Interest holds the SUBSCRIBEs
	remote   []router.FabricSession
}

func (f *metaFabric) Interest(realm, topic wamp.URI, match string, ready func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.holding {
		return true
	}
	f.hold <- ready
	return false
}

func (f *metaFabric) SubscriptionChanged(realm, topic wamp.URI, match string, exists bool) {
	sign := "-"
	if exists {
		sign = "+"
	}
	f.subs <- sign + string(topic) + " " + match
}

func (f *metaFabric) SessionsChanged(realm wamp.URI) {
	select {
	case f.sessions <- realm:
	default:
	}
}

func (f *metaFabric) RemoteSessions(wamp.URI) []router.FabricSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remote
}

func metaFabricRouter(t *testing.T) (*router.Router, *metaFabric) {
	f := &metaFabric{fakeFabric: newFakeFabric(), hold: make(chan func(), 8), subs: make(chan string, 64),
		sessions: make(chan wamp.URI, 64)}
	r := newRouter(t, func(c *router.Config) { c.Fabric = f })
	return r, f
}

// A SUBSCRIBE that makes a subscription waits for the fabric's ready;
// the fabric hears of the subscription before SUBSCRIBED, and of its end.
func TestFabricInterest(t *testing.T) {
	r, f := metaFabricRouter(t)
	s1, s2 := join(t, r), join(t, r)
	f.mu.Lock()
	f.holding = true
	f.mu.Unlock()
	done := make(chan error, 1)
	var sub *client.Subscription
	go func() {
		var err error
		sub, err = s1.Subscribe(ctxT(t), "com.a", func(*wamp.Event) {}, &client.SubscribeOptions{Match: wamp.MatchPrefix})
		done <- err
	}()
	ready := recv(t, f.hold)
	select {
	case err := <-done:
		t.Fatalf("SUBSCRIBE answered (%v) before the fabric was ready", err)
	default:
	}
	f.mu.Lock()
	f.holding = false
	f.mu.Unlock()
	ready()
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, f.subs); got != "+com.a prefix" {
		t.Fatalf("fabric heard %q", got)
	}
	// A second subscriber of the same subscription is not the fabric's
	// business.
	sub2, err := s2.Subscribe(ctxT(t), "com.a", func(*wamp.Event) {}, &client.SubscribeOptions{Match: wamp.MatchPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.link.Subscriptions(realm1); !slices.Contains(got, router.FabricSubscription{Topic: "com.a", Match: wamp.MatchPrefix}) {
		t.Fatalf("Subscriptions = %v", got)
	}
	if err := s1.Unsubscribe(ctxT(t), sub); err != nil {
		t.Fatal(err)
	}
	if err := s2.Unsubscribe(ctxT(t), sub2); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, f.subs); got != "-com.a prefix" {
		t.Fatalf("fabric heard %q, want the subscription's end", got)
	}
}

// A held SUBSCRIBE of a session that left is dropped.
func TestFabricInterestSessionLeft(t *testing.T) {
	r, f := metaFabricRouter(t)
	s := join(t, r)
	f.mu.Lock()
	f.holding = true
	f.mu.Unlock()
	go s.Subscribe(ctxT(t), "com.gone", func(*wamp.Event) {}, nil) //nolint:errcheck // the session leaves
	ready := recv(t, f.hold)
	s.Close()
	// The session's leave reaches the fabric: it is gone from the realm.
	for slices.ContainsFunc(f.link.Sessions(realm1), func(fs router.FabricSession) bool { return fs.ID == s.ID() }) {
		recv(t, f.sessions)
	}
	ready()
	if got := f.link.Subscriptions(realm1); len(got) != 0 {
		t.Fatalf("Subscriptions = %v after the session left", got)
	}
}

// The session meta API counts, lists and gets the sessions of the other
// routers the fabric knows.
func TestFabricSessionMeta(t *testing.T) {
	r, f := metaFabricRouter(t)
	s := join(t, r)
	if got := recv(t, f.sessions); got != realm1 {
		t.Fatalf("SessionsChanged(%q)", got)
	}
	if l := f.link.Sessions(realm1); len(l) != 1 || l[0].ID != s.ID() || l[0].AuthRole != "anonymous" {
		t.Fatalf("Sessions = %+v", l)
	}
	f.mu.Lock()
	f.remote = []router.FabricSession{
		{ID: 11, AuthID: "alice", AuthRole: "user", AuthMethod: "ticket", AuthProvider: "static", Node: "n2"},
		{ID: 12, AuthID: "bob", AuthRole: "admin", AuthMethod: "wampcra", AuthProvider: "static", Node: "n3"},
	}
	f.mu.Unlock()
	res, err := s.Call(ctxT(t), "wamp.session.count", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := wamp.AsInt64(res.Args[0]); n != 3 {
		t.Fatalf("count: %v %v, want 3", res, err)
	}
	res, err = s.Call(ctxT(t), "wamp.session.list", wamp.List{wamp.List{"user", "anonymous"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []wamp.ID
	for _, v := range res.Args[0].(wamp.List) {
		id, _ := wamp.AsID(v)
		ids = append(ids, id)
	}
	want := []wamp.ID{11, s.ID()}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("list(user, anonymous) = %v, want %v", ids, want)
	}
	res, err = s.Call(ctxT(t), "wamp.session.get", wamp.List{12}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Args[0].(wamp.Dict)
	tr, _ := d["transport"].(wamp.Dict)
	if d["authid"] != "bob" || d["authrole"] != "admin" || d["authmethod"] != "wampcra" || tr["type"] != "fabric" || tr["peer"] != "fabric:n3" {
		t.Fatalf("get(12) = %v", d)
	}
	if _, err := s.Call(ctxT(t), "wamp.session.get", wamp.List{13}, nil, nil); errURI(err) != "wamp.error.no_such_session" {
		t.Fatalf("get(13): %v", err)
	}
}
