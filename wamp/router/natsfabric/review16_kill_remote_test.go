package natsfabric_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A session of router B is listed on router A; wamp.session.kill of it
// on A answers wamp.error.feature_not_supported naming B (not
// wamp.error.no_such_session), and the session lives on.
func TestReview16KillRemoteSession(t *testing.T) {
	a, b, _ := cluster(t)
	a1, b1 := a.join(t), b.join(t)
	waitFor(t, "B's session listed on A", func() bool { return slices.Contains(sessionList(t, a1), b1.ID()) })
	_, err := a1.Call(ctxT(t), "wamp.session.kill", wamp.List{b1.ID()}, nil, nil)
	if errorURI(err) != wamp.ErrFeatureNotSupported || !strings.Contains(err.Error(), b.f.Node()) {
		t.Fatalf("kill of B's session on A: %v, want %s naming %s", err, wamp.ErrFeatureNotSupported, b.f.Node())
	}
	if _, err := b1.Call(ctxT(t), "wamp.session.count", nil, nil, nil); err != nil {
		t.Fatalf("B's session after the refused kill: %v", err)
	}
}
