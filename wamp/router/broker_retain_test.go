package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// withPrincipals adds ticket principals to realm1: authid → role, the ticket
// being the authid.
func withPrincipals(roles map[string]string) func(*router.Config) {
	return func(c *router.Config) {
		tickets := map[string]router.TicketPrincipal{}
		for id, role := range roles {
			tickets[id] = router.TicketPrincipal{Ticket: id, Role: role}
		}
		c.Realms[0].Tickets = tickets
	}
}

func joinAuthID(t *testing.T, r *router.Router, authid string) *client.Session {
	t.Helper()
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{
		AuthID: authid, Authenticators: []client.Authenticator{&client.Ticket{Ticket: authid}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// nextIsMarker fails unless the next event on ch is the marker pub now
// publishes to topic: nothing else (a retained event) came before it.
func nextIsMarker(t *testing.T, pub *client.Session, topic wamp.URI, ch chan *wamp.Event) {
	t.Helper()
	publish(t, pub, topic, wamp.List{"marker"}, nil)
	if e := next(t, ch); len(e.Args) != 1 || e.Args[0] != "marker" {
		t.Fatalf("got %+v before the marker", e)
	}
}

func isRetained(e *wamp.Event) bool { b, _ := e.Details["retained"].(bool); return b }

func TestRetainedEvent(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].PublicationTrustLevels = map[string]int{"anonymous": 2}
	})
	pub, other := join(t, r), join(t, r)
	publish(t, pub, "com.x.a.temp", wamp.List{"a1"}, &client.PublishOptions{Retain: true})
	publish(t, pub, "com.x.a.temp", wamp.List{"a2"}, &client.PublishOptions{Retain: true, DiscloseMe: true})
	publish(t, pub, "com.x.a.temp", wamp.List{"not retained"}, nil) // does not replace a2
	publish(t, pub, "com.x.b.temp", wamp.List{"b"}, &client.PublishOptions{Retain: true})
	publish(t, pub, "com.x.b.hum", wamp.List{"h"}, &client.PublishOptions{Retain: true})
	publish(t, pub, "com.x.c", wamp.List{"c"}, nil) // never retained

	sess := join(t, r)
	sub, ch := subscribe(t, sess, "com.x.a.temp", &client.SubscribeOptions{GetRetained: true})
	e := next(t, ch)
	if e.Subscription != sub.ID || e.Args[0] != "a2" || !isRetained(e) {
		t.Fatalf("retained EVENT = %+v", e)
	}
	if id, _ := wamp.AsID(e.Details["publisher"]); id != pub.ID() || e.Details["trustlevel"] != int64(2) {
		t.Fatalf("retained EVENT.Details = %v: want the publisher disclosed and trustlevel 2", e.Details)
	}
	if _, ok := e.Details["topic"]; ok {
		t.Fatalf("Details.topic on an exact subscription: %v", e.Details)
	}
	nextIsMarker(t, other, "com.x.a.temp", ch) // exactly one retained event

	// Without get_retained nothing comes; a live event has no "retained".
	_, plain := subscribe(t, join(t, r), "com.x.b.temp", nil)
	publish(t, other, "com.x.b.temp", wamp.List{"live"}, nil)
	if e := next(t, plain); e.Args[0] != "live" || isRetained(e) {
		t.Fatalf("got %+v, want the live event", e)
	}
	_, none := subscribe(t, sess, "com.x.c", &client.SubscribeOptions{GetRetained: true})
	nextIsMarker(t, other, "com.x.c", none)

	// Patterns get every retained topic they match, in topic order.
	for _, tt := range []struct {
		pattern wamp.URI
		match   string
		want    []string
	}{
		{"com.x.b", wamp.MatchPrefix, []string{"h", "b"}},
		{"com.x..temp", wamp.MatchWildcard, []string{"a2", "b"}},
		{"com.x...", wamp.MatchWildcard, nil}, // no retained topic has four components
	} {
		s := join(t, r)
		_, ch := subscribe(t, s, tt.pattern, &client.SubscribeOptions{Match: tt.match, GetRetained: true})
		for _, want := range tt.want {
			e := next(t, ch)
			if e.Args[0] != want || !isRetained(e) || !strings.HasPrefix(e.Details["topic"].(string), "com.x.") {
				t.Fatalf("%s %s: got %+v, want retained %q with Details.topic", tt.match, tt.pattern, e, want)
			}
		}
		publish(t, other, "com.x.b.hum.x", wamp.List{"marker"}, nil)
		publish(t, other, "com.x.b.temp", wamp.List{"marker"}, nil)
		if e := next(t, ch); e.Args[0] != "marker" {
			t.Fatalf("%s %s: got %+v before the marker", tt.match, tt.pattern, e)
		}
	}
}

// A retained event reaches only subscribers its publication's lists
// admit, by session ID, authid and authrole.
func TestRetainedEligibility(t *testing.T) {
	r := newRouter(t, withPrincipals(map[string]string{"ann": "admin", "bob": "user", "cid": "user"}))
	ann, bob, cid := joinAuthID(t, r, "ann"), joinAuthID(t, r, "bob"), joinAuthID(t, r, "cid")
	for _, tt := range []struct {
		name string
		opts client.PublishOptions
		want map[string]bool // who gets it
	}{
		{"eligible_authrole", client.PublishOptions{EligibleAuthRole: []string{"admin"}, IncludeMe: true}, map[string]bool{"ann": true}},
		{"exclude_authid", client.PublishOptions{ExcludeAuthID: []string{"bob"}, IncludeMe: true}, map[string]bool{"ann": true, "cid": true}},
		{"exclude session", client.PublishOptions{Exclude: []wamp.ID{cid.ID()}}, map[string]bool{"bob": true}},
		{"exclude_me", client.PublishOptions{}, map[string]bool{"bob": true, "cid": true}},
	} {
		topic := wamp.URI("com.elig." + strings.ReplaceAll(tt.name, " ", "_"))
		tt.opts.Retain = true
		publish(t, ann, topic, wamp.List{tt.name}, &tt.opts)
		for name, s := range map[string]*client.Session{"ann": ann, "bob": bob, "cid": cid} {
			_, ch := subscribe(t, s, topic, &client.SubscribeOptions{GetRetained: true})
			if tt.want[name] {
				if e := next(t, ch); e.Args[0] != tt.name || !isRetained(e) {
					t.Fatalf("%s: %s got %+v", tt.name, name, e)
				}
			}
			// The marker comes from a publisher that excludes nobody.
			marker := bob
			if s == bob {
				marker = cid
			}
			nextIsMarker(t, marker, topic, ch)
		}
	}
}

// At the realm's bounds a new retained event is declined: it is
// delivered as usual, later subscribers get no retained event for its
// topic (not an older one either), and the router logs it.
func TestRetainedBounds(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.Logger = logs.logger()
		c.Realms[0].RetainedTopics = 2
		c.Realms[0].RetainedBytes = 2000
		c.Realms = append(c.Realms, router.RealmConfig{Name: "off", AllowAnonymous: true, RetainedTopics: -1})
	})
	pub := join(t, r)
	retain := &client.PublishOptions{Retain: true}
	publish(t, pub, "t1", wamp.List{"1"}, retain)
	publish(t, pub, "t2", wamp.List{"2"}, retain)
	_, live := subscribe(t, join(t, r), "t3", nil)
	publish(t, pub, "t3", wamp.List{"3"}, retain) // a third topic: declined
	if e := next(t, live); e.Args[0] != "3" {
		t.Fatalf("declined publication not delivered: %+v", e)
	}
	publish(t, pub, "t1", wamp.List{"1b"}, retain) // replacing fits
	getRetainedFrom(t, r, pub, "t1", "1b")
	getRetainedFrom(t, r, pub, "t2", "2")
	getRetainedFrom(t, r, pub, "t3", "")
	if !strings.Contains(logs.String(), "retained event declined") {
		t.Fatalf("no log line for the declined event:\n%s", logs.String())
	}

	// Too big for the byte bound: declined, and t2's older event goes too.
	publish(t, pub, "t2", wamp.List{strings.Repeat("x", 3000)}, retain)
	getRetainedFrom(t, r, pub, "t2", "")
	publish(t, pub, "t3", wamp.List{"3b"}, retain) // t2's slot is free again
	getRetainedFrom(t, r, pub, "t3", "3b")

	// Retention off.
	off, err := client.Join(ctxT(t), r.Connect(), "off", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if err := off.Publish(ctxT(t), "t1", wamp.List{"x"}, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	sub2, err := client.Join(ctxT(t), r.Connect(), "off", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	_, ch := subscribe(t, sub2, "t1", &client.SubscribeOptions{GetRetained: true})
	nextIsMarker(t, off, "t1", ch)
}

// getRetainedFrom subscribes a new session to topic with get_retained and
// checks it gets want as a retained event ("" for none).
func getRetainedFrom(t *testing.T, r *router.Router, pub *client.Session, topic wamp.URI, want string) {
	t.Helper()
	_, ch := subscribe(t, join(t, r), topic, &client.SubscribeOptions{GetRetained: true})
	if want != "" {
		if e := next(t, ch); e.Args[0] != want || !isRetained(e) {
			t.Fatalf("%s: got %+v, want retained %q", topic, e, want)
		}
	}
	nextIsMarker(t, pub, topic, ch)
}

// WELCOME announces the broker features of this package's tests.
func TestBrokerFeaturesAnnounced(t *testing.T) {
	r := newRouter(t, nil)
	roles, _ := join(t, r).Details()["roles"].(wamp.Dict)
	broker, _ := roles["broker"].(wamp.Dict)
	features, _ := broker["features"].(wamp.Dict)
	for _, f := range []string{"event_retention", "event_history", "subscription_revocation", "publication_trustlevels", "payload_passthru_mode"} {
		if features[f] != true {
			t.Errorf("WELCOME.Details.roles.broker.features.%s = %v", f, features[f])
		}
	}
}

// The new EVENT details and get_events' result survive every serializer:
// a retained event with trustlevel and publisher, and the history, over
// WebSocket.
func TestRetainedOverSerializers(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].PublicationTrustLevels = map[string]int{"anonymous": 3}
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.ser", Match: wamp.MatchPrefix}}
	})
	url := serveWebSocket(t, r)
	for _, ser := range serializers {
		topic := wamp.URI("com.ser." + ser.Name())
		pub := joinWebSocket(t, url, ser)
		publish(t, pub, topic, wamp.List{"v", []byte{0, 1, 0xff}}, &client.PublishOptions{Retain: true, DiscloseMe: true})
		s := joinWebSocket(t, url, ser)
		_, ch := subscribe(t, s, topic, &client.SubscribeOptions{GetRetained: true})
		e := next(t, ch)
		id, _ := wamp.AsID(e.Details["publisher"])
		lvl, _ := wamp.AsID(e.Details["trustlevel"])
		if !isRetained(e) || lvl != 3 || id != pub.ID() || e.Args[0] != "v" {
			t.Fatalf("%s: retained EVENT %+v", ser.Name(), e)
		}
		if b, _ := e.Args[1].([]byte); len(b) != 3 || b[2] != 0xff {
			t.Fatalf("%s: bytes argument %#v", ser.Name(), e.Args[1])
		}
		sub, _ := subscribe(t, s, "com.ser", &client.SubscribeOptions{Match: wamp.MatchPrefix})
		got, evs := getEvents(t, s, sub.ID, wamp.Dict{"topic": string(topic)})
		if !eqList(got, "v") || evs[0]["details"].(wamp.Dict)["topic"] != string(topic) {
			t.Fatalf("%s: history %v", ser.Name(), got)
		}
	}
}
