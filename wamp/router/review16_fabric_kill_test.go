package router_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A session of another router of the fabric is listed by
// wamp.session.list; wamp.session.kill with its ID does not pretend it
// does not exist (wamp.error.no_such_session) but says it is out of this
// router's reach, naming its router. An unknown ID stays no_such_session.
func TestReview16KillRemoteSession(t *testing.T) {
	r, f := metaFabricRouter(t)
	const remote wamp.ID = 1 << 40
	f.mu.Lock()
	f.remote = []router.FabricSession{{ID: remote, AuthID: "far", AuthRole: "anonymous", AuthMethod: "anonymous",
		AuthProvider: "static", Node: "nodeB"}}
	f.mu.Unlock()
	s := join(t, r)
	res := metaCall(t, s, "wamp.session.list", nil, nil)
	ids, _ := res.Args[0].(wamp.List)
	if !slices.ContainsFunc(ids, func(v any) bool { id, _ := wamp.AsID(v); return id == remote }) {
		t.Fatalf("wamp.session.list = %v, want %d among them", ids, remote)
	}
	_, err := s.Call(ctxT(t), "wamp.session.kill", wamp.List{uint64(remote)}, nil, nil)
	if !isWampError(err, wamp.ErrFeatureNotSupported) || !strings.Contains(err.Error(), "nodeB") {
		t.Fatalf("kill of a remote session: %v, want %s naming nodeB", err, wamp.ErrFeatureNotSupported)
	}
	metaRefused(t, s, "wamp.session.kill", wamp.List{uint64(remote + 1)}, nil, "wamp.error.no_such_session")
}
