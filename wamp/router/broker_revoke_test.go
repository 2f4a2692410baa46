package router_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// joinWith joins realm1 by hand announcing the given subscriber,
// publisher, caller and callee features.
func (c *raw) joinWith(features ...string) wamp.ID {
	c.t.Helper()
	f := wamp.Dict{}
	for _, n := range features {
		f[n] = true
	}
	roles := wamp.Dict{}
	for _, r := range []string{"subscriber", "publisher", "caller", "callee"} {
		roles[r] = wamp.Dict{"features": f}
	}
	c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles}})
	w, ok := c.recv().(*wamp.Welcome)
	if !ok {
		c.t.Fatal("no WELCOME")
	}
	return w.Session
}

func (c *raw) subscribe(req wamp.ID, topic wamp.URI) wamp.ID {
	c.t.Helper()
	c.send(&wamp.Subscribe{Request: req, Options: wamp.Dict{}, Topic: topic})
	s, ok := c.recv().(*wamp.Subscribed)
	if !ok || s.Request != req {
		c.t.Fatalf("got %v, want SUBSCRIBED %d", s, req)
	}
	return s.Subscription
}

func TestRemoveSubscriber(t *testing.T) {
	r := newRouter(t, nil)
	pub := join(t, r)
	for _, announced := range []bool{true, false} {
		c := rawConn(t, r)
		var sess wamp.ID
		if announced {
			sess = c.joinWith("subscription_revocation")
		} else {
			sess = c.joinWith()
		}
		revoked, kept := c.subscribe(1, "com.revoke.me"), c.subscribe(2, "com.revoke.kept")
		if err := r.RemoveSubscriber(realm1, revoked, sess, "wamp.error.not_authorized"); err != nil {
			t.Fatal(err)
		}
		if announced {
			u, ok := c.recv().(*wamp.Unsubscribed)
			if id, _ := wamp.AsID(u.Details["subscription"]); !ok || u.Request != 0 || id != revoked ||
				u.Details["reason"] != "wamp.error.not_authorized" {
				t.Fatalf("got %+v, want UNSUBSCRIBED[0, {subscription: %d, reason}]", u, revoked)
			}
		}
		// No more events of the revoked subscription: the next message is
		// the kept one's event (and, unannounced, no UNSUBSCRIBED).
		publish(t, pub, "com.revoke.me", nil, nil)
		publish(t, pub, "com.revoke.kept", nil, nil)
		if e, ok := c.recv().(*wamp.Event); !ok || e.Subscription != kept {
			t.Fatalf("announced=%v: got %+v, want the kept subscription's EVENT", announced, e)
		}
		// The session can subscribe again.
		if again := c.subscribe(3, "com.revoke.me"); again == 0 {
			t.Fatal("no subscription ID")
		}
		if err := r.RemoveSubscriber(realm1, kept, sess, ""); err != nil {
			t.Fatal(err)
		}
		if announced {
			u, ok := c.recv().(*wamp.Unsubscribed)
			if _, has := u.Details["reason"]; !ok || has {
				t.Fatalf("got %+v, want UNSUBSCRIBED without a reason", u)
			}
		}
		for _, tt := range []struct {
			realm     wamp.URI
			sub, sess wamp.ID
			want      wamp.URI
		}{
			{"nope", revoked, sess, wamp.ErrNoSuchRealm},
			{realm1, 424242, sess, wamp.ErrNoSuchSubscription},
			{realm1, kept, sess, wamp.ErrNoSuchSubscription}, // the subscription went with its last subscriber
		} {
			var re *router.RevokeError
			if err := r.RemoveSubscriber(tt.realm, tt.sub, tt.sess, ""); !errors.As(err, &re) || re.URI != tt.want {
				t.Errorf("RemoveSubscriber(%s, %d, %d) = %v, want %s", tt.realm, tt.sub, tt.sess, err, tt.want)
			}
		}
	}
	// A subscription with other subscribers: unknown session, and a
	// session of the realm that is not subscribed.
	other := rawConn(t, r)
	otherID := other.joinWith()
	sub, _ := subscribe(t, pub, "com.revoke.shared", nil)
	var re *router.RevokeError
	if err := r.RemoveSubscriber(realm1, sub.ID, 77, ""); !errors.As(err, &re) || re.URI != "wamp.error.no_such_session" {
		t.Errorf("unknown session: %v", err)
	}
	if err := r.RemoveSubscriber(realm1, sub.ID, otherID, ""); !errors.As(err, &re) || re.URI != wamp.ErrNoSuchSubscription {
		t.Errorf("not a subscriber: %v", err)
	}
}
