package router_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A revocation's reason goes to the revoked session (UNREGISTERED or
// UNSUBSCRIBED Details.reason, and the callers of its calls in flight),
// so it is bounded as wamp.session.kill's is: longer than 256 octets it
// is refused, wamp.error.invalid_uri by the meta procedures
// (remove_callee, remove_subscriber), wamp.error.invalid_argument by
// Router.RemoveCallee and RemoveSubscriber, and nothing is revoked.
// Before, any length went through to the session. 256 octets pass.
func TestReview17RevocationReasonBounded(t *testing.T) {
	r := newRouter(t, nil)
	admin := join(t, r)
	long := "com." + strings.Repeat("x", 253) // 257 octets
	ok := long[:256]

	callee, calleeID := rawJoinAs(t, r, map[string][]string{"callee": {"registration_revocation"}})
	regID := callee.register(1, "com.example.p", nil)
	metaRefused(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID), long}, nil, wamp.ErrInvalidURI)
	metaRefused(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID)}, wamp.Dict{"reason": long}, wamp.ErrInvalidURI)
	if err := r.RemoveCallee(realm1, regID, calleeID, long); err == nil || !strings.Contains(err.Error(), string(wamp.ErrInvalidArgument)) {
		t.Fatalf("RemoveCallee with a reason of %d octets: %v, want %s", len(long), err, wamp.ErrInvalidArgument)
	}
	metaCall(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID), ok}, nil)
	if u, isU := callee.recv().(*wamp.Unregistered); !isU || u.Details["reason"] != ok {
		t.Fatalf("callee got %v, want UNREGISTERED with the 256-octet reason", u)
	}
	regID = callee.register(2, "com.example.p", nil)
	if err := r.RemoveCallee(realm1, regID, calleeID, ok); err != nil {
		t.Fatalf("RemoveCallee with a reason of 256 octets: %v", err)
	}
	if u, isU := callee.recv().(*wamp.Unregistered); !isU || u.Details["reason"] != ok {
		t.Fatalf("callee got %v, want UNREGISTERED with the 256-octet reason", u)
	}

	subscriber := join(t, r)
	sub, _ := subscribe(t, subscriber, "com.example.t", nil)
	metaRefused(t, admin, "wamp.subscription.remove_subscriber", wamp.List{sub.ID, subscriber.ID(), long}, nil, wamp.ErrInvalidURI)
	var re *router.RevokeError
	if err := r.RemoveSubscriber(realm1, sub.ID, subscriber.ID(), long); !errors.As(err, &re) || re.URI != wamp.ErrInvalidArgument {
		t.Fatalf("RemoveSubscriber with a reason of %d octets: %v, want %s", len(long), err, wamp.ErrInvalidArgument)
	}
	if err := r.RemoveSubscriber(realm1, sub.ID, subscriber.ID(), ok); err != nil {
		t.Fatalf("RemoveSubscriber with a reason of 256 octets: %v", err)
	}
	<-sub.Revoked()
	if reason, _ := sub.RevokedReason(); reason != ok {
		t.Fatalf("revoked with a reason of %d octets, want the 256 given", len(reason))
	}
}
