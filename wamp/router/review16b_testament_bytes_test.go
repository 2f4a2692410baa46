package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// The testaments of a session hold a bounded number of octets, both scopes
// together: wamp.session.add_testament past the budget (1 MiB, estimated)
// is refused with wamp.error.invalid_argument, within the 64 testaments a
// scope may hold; flush_testaments gives the budget back, and the
// testaments kept are published when the session leaves. Before, 64
// testaments per scope, each as large as a message, were kept.
func TestReview16bTestamentBytes(t *testing.T) {
	r := newRouter(t, nil)
	watcher := join(t, r)
	_, ch := subscribe(t, watcher, "com.will", nil)
	s := join(t, r)
	big := strings.Repeat("x", 300<<10) // three fit in 1 MiB, four do not
	add := func(scope string) error {
		_, err := s.Call(ctxT(t), "wamp.session.add_testament", wamp.List{"com.will", wamp.List{scope, big}}, wamp.Dict{"scope": scope}, nil)
		return err
	}
	for _, scope := range []string{"destroyed", "detached", "destroyed"} {
		if err := add(scope); err != nil {
			t.Fatalf("add_testament %s: %v", scope, err)
		}
	}
	for _, scope := range []string{"destroyed", "detached"} {
		if err := add(scope); !isWampError(err, wamp.ErrInvalidArgument) {
			t.Fatalf("add_testament %s past the budget: %v, want %s", scope, err, wamp.ErrInvalidArgument)
		}
	}
	// Small ones still fit.
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.will", wamp.List{"small", "x"}}, nil)
	// Flushing the destroyed scope frees its share: two more large ones fit.
	metaCall(t, s, "wamp.session.flush_testaments", nil, nil)
	for range 2 {
		if err := add("destroyed"); err != nil {
			t.Fatalf("add_testament after flush: %v", err)
		}
	}
	if err := add("destroyed"); !isWampError(err, wamp.ErrInvalidArgument) {
		t.Fatalf("add_testament past the budget after flush: %v, want %s", err, wamp.ErrInvalidArgument)
	}
	s.Close()
	for _, want := range []string{"detached", "destroyed", "destroyed"} {
		e := next(t, ch)
		if len(e.Args) != 2 || e.Args[0] != want || e.Args[1] != big {
			t.Fatalf("testament event %.40v, want %s", e.Args, want)
		}
	}
	publish(t, join(t, r), "com.will", wamp.List{"marker"}, nil)
	if e := next(t, ch); e.Args[0] != "marker" {
		t.Fatalf("an extra testament was published: %.40v", e.Args)
	}
}
