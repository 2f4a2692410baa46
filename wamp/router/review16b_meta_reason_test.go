package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// The optional reason of wamp.subscription.remove_subscriber and
// wamp.registration.remove_callee may come positionally or as
// kwargs.reason: a null in its position means "not given there", so the
// keyword's reason is the one the revoked session gets (the null used to
// override it: the subscriber got no reason). Given both ways (not null),
// it is refused with wamp.error.invalid_argument, as Crossbar's Python
// signature refuses an argument given twice, instead of one silently
// winning.
func TestReview16bMetaReasonNullPositional(t *testing.T) {
	r := newRouter(t, nil)
	admin := join(t, r)
	sub1 := join(t, r)
	sub, _ := subscribe(t, sub1, "com.example.t", nil)
	metaRefused(t, admin, "wamp.subscription.remove_subscriber", wamp.List{sub.ID, sub1.ID(), "com.example.a"},
		wamp.Dict{"reason": "com.example.b"}, wamp.ErrInvalidArgument)
	metaCall(t, admin, "wamp.subscription.remove_subscriber", wamp.List{sub.ID, sub1.ID(), nil}, wamp.Dict{"reason": "com.example.why"})
	<-sub.Revoked()
	if reason, ok := sub.RevokedReason(); !ok || reason != "com.example.why" {
		t.Fatalf("revoked with reason %q (%v), want com.example.why", reason, ok)
	}

	callee, calleeID := rawJoinAs(t, r, map[string][]string{"callee": {"registration_revocation"}})
	regID := callee.register(1, "com.example.p", nil)
	metaRefused(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID), "com.example.a"},
		wamp.Dict{"reason": "com.example.b"}, wamp.ErrInvalidArgument)
	metaRefused(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID), nil},
		wamp.Dict{"reason": "not a uri!"}, wamp.ErrInvalidURI)
	metaCall(t, admin, "wamp.registration.remove_callee", wamp.List{uint64(regID), uint64(calleeID), nil}, wamp.Dict{"reason": "com.example.why"})
	if u, ok := callee.recv().(*wamp.Unregistered); !ok || u.Details["reason"] != "com.example.why" {
		t.Fatalf("callee got %v, want UNREGISTERED with reason com.example.why", u)
	}
}
