package router_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A roundrobin registration goes on in turn when a callee leaves: the
// callee whose turn was next keeps it (none is skipped, none gets two
// calls in a row while another waits). Callees a, b, c: after a, b the
// turn is c's; a leaving must not hand it to b. Each way of leaving the
// registration (UNREGISTER, the session closing, revocation) is tried,
// with the leaver before and after the next in line.
func TestReview14bRoundRobinAfterLeave(t *testing.T) {
	leaves := map[string]func(t *testing.T, r *router.Router, s *client.Session, reg *client.Registration){
		"unregister": func(t *testing.T, _ *router.Router, s *client.Session, reg *client.Registration) {
			if err := s.Unregister(ctxT(t), reg); err != nil {
				t.Fatal(err)
			}
		},
		"close": func(t *testing.T, _ *router.Router, s *client.Session, _ *client.Registration) {
			if err := s.Leave(ctxT(t), ""); err != nil {
				t.Fatal(err)
			}
		},
		"revoke": func(t *testing.T, r *router.Router, s *client.Session, reg *client.Registration) {
			if err := r.RemoveCallee(realm1, reg.ID, s.ID(), ""); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, leave := range leaves {
		for _, tc := range []struct {
			before string // the answers before one leaves
			leaver int    // index of the callee that leaves (a, b, c)
			after  string // the answers after
		}{
			{"[a b]", 0, "[c b c b]"}, // a, before the next (c), leaves
			{"[a]", 0, "[b c b c]"},   // a, before the next (b), leaves
			{"[a]", 2, "[b a b a]"},   // c, after the next (b), leaves
			{"[a b]", 2, "[a b a b]"}, // c, the next, leaves: its turn passes to a
			{"[a b c]", 1, "[a c a c]"},
		} {
			t.Run(fmt.Sprintf("%s/%d-after-%s", name, tc.leaver, tc.before), func(t *testing.T) {
				r := newRouter(t, nil)
				proc := wamp.URI("rr." + name)
				var sessions []*client.Session
				var regs []*client.Registration
				for _, tag := range []string{"a", "b", "c"} {
					s := join(t, r)
					sessions = append(sessions, s)
					regs = append(regs, register(t, s, proc, answer(tag), &client.RegisterOptions{Invoke: router.InvokeRoundRobin}))
				}
				caller := join(t, r)
				calls := func(n int) string {
					var got []string
					for range n {
						res, err := caller.Call(ctxT(t), proc, nil, nil, nil)
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, res.Args[0].(string))
					}
					return fmt.Sprint(got)
				}
				if got := calls(strings.Count(tc.before, " ") + 1); got != tc.before {
					t.Fatalf("before: %s, want %s", got, tc.before)
				}
				leave(t, r, sessions[tc.leaver], regs[tc.leaver])
				// The router has handled the leave when the registration
				// has two callees.
				waitFor(t, "two callees", func() bool {
					res, err := caller.Call(ctxT(t), "wamp.registration.count_callees", wamp.List{uint64(regs[0].ID)}, nil, nil)
					if err != nil {
						t.Fatal(err)
					}
					n, _ := wamp.AsInt64(res.Args[0])
					return n == 2
				})
				if got := calls(4); got != tc.after {
					t.Fatalf("after callee %d left: %s, want %s", tc.leaver, got, tc.after)
				}
			})
		}
	}
}

// first and last follow the registration order as callees come and go:
// first is the longest-registered callee still there, last the latest; a
// callee that registers again goes to the end. When the last callee
// leaves, the registration goes, and the next REGISTER may choose another
// policy.
func TestReview14bFirstLastAfterLeave(t *testing.T) {
	r := newRouter(t, nil)
	caller := join(t, r)
	callOnce := func(proc wamp.URI) string {
		t.Helper()
		res, err := caller.Call(ctxT(t), proc, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Args[0].(string)
	}
	for _, tc := range []struct {
		policy string
		want   [3]string // with a b c; after the first in line leaves; after it registers again
	}{
		{router.InvokeFirst, [3]string{"a", "b", "b"}},
		{router.InvokeLast, [3]string{"c", "b", "c"}},
	} {
		proc := wamp.URI("order." + tc.policy)
		opts := &client.RegisterOptions{Invoke: tc.policy}
		sessions := map[string]*client.Session{}
		regs := map[string]*client.Registration{}
		for _, tag := range []string{"a", "b", "c"} {
			sessions[tag] = join(t, r)
			regs[tag] = register(t, sessions[tag], proc, answer(tag), opts)
		}
		if got := callOnce(proc); got != tc.want[0] {
			t.Fatalf("%s: %s, want %s", tc.policy, got, tc.want[0])
		}
		first := tc.want[0]
		if err := sessions[first].Unregister(ctxT(t), regs[first]); err != nil {
			t.Fatal(err)
		}
		if got := callOnce(proc); got != tc.want[1] {
			t.Fatalf("%s after %s left: %s, want %s", tc.policy, first, got, tc.want[1])
		}
		regs[first] = register(t, sessions[first], proc, answer(first), opts)
		if got := callOnce(proc); got != tc.want[2] {
			t.Fatalf("%s after %s registered again: %s, want %s", tc.policy, first, got, tc.want[2])
		}
		// Everyone leaves: another policy is free to take the URI.
		for tag, reg := range regs {
			if err := sessions[tag].Unregister(ctxT(t), reg); err != nil {
				t.Fatal(err)
			}
		}
		s := join(t, r)
		reg := register(t, s, proc, answer("single"), nil)
		if reg.ID == regs["b"].ID {
			t.Fatalf("%s: the new registration has the old one's ID", tc.policy)
		}
		if got := callOnce(proc); got != "single" {
			t.Fatalf("%s: after all left, a single callee: %s", tc.policy, got)
		}
	}
}
