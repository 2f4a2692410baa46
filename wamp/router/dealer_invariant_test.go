package router_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The invariant under the advanced dealer features: every CALL gets
// exactly one final RESULT or ERROR while the caller's session lives —
// with call timeouts, reroutes (wamp.error.unavailable), progressive call
// invocations whose parts keep coming after the call ended, cancels in
// every mode, registrations revoked and callees that come and go.
func TestAdvancedCallInvariant(t *testing.T) { advancedCallInvariant(t, 0) }

// advancedCallInvariant runs the invariant's calls in a realm of
// RealmConfig.MaxPendingCalls maxPending and returns the count of each
// ERROR URI the callers got. Each caller, once answered, must hold no
// pending call (SessionInfo.PendingCalls).
func advancedCallInvariant(t *testing.T, maxPending int) map[wamp.URI]int {
	r := newRouter(t, func(c *router.Config) { c.Realms[0].MaxPendingCalls = maxPending })
	const callers, calls = 4, 150
	var stop atomic.Bool
	var wg sync.WaitGroup

	// Callees, driven by hand: each answers by the call's number.
	var regsMu sync.Mutex
	regs := map[wamp.ID]wamp.ID{} // session → registration, for the revoker
	calleeFeatures := map[string][]string{"callee": {"progressive_call_invocations", "progressive_call_results", "call_canceling", "registration_revocation"}}
	var rerouted atomic.Int64
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				runCallee(t, r, calleeFeatures, &stop, &regsMu, regs, &rerouted)
			}
		}()
	}
	// A callee of "adv.slow" that never answers and is never revoked:
	// each caller's one call to it ends by its timeout, so every run has
	// timeouts in the mix however fast the others are answered or
	// revoked (the random timeouts of "adv" race with the revoker).
	slow := r.Connect()
	ctx0 := context.Background()
	slow.Send(ctx0, &wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(calleeFeatures)}})
	if m, err := slow.Recv(ctx0); err != nil || m.Type() != wamp.TypeWelcome {
		t.Fatalf("slow callee join: %v %v", m, err)
	}
	slow.Send(ctx0, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "adv.slow"})
	if m, err := slow.Recv(ctx0); err != nil || m.Type() != wamp.TypeRegistered {
		t.Fatalf("slow callee register: %v %v", m, err)
	}
	wg.Add(1)
	go func() { // reads its INVOCATIONs and INTERRUPTs until the router closes it
		defer wg.Done()
		for {
			if _, err := slow.Recv(ctx0); err != nil {
				return
			}
		}
	}()
	// The revoker.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			regsMu.Lock()
			var sid, rid wamp.ID
			for s, reg := range regs {
				sid, rid = s, reg
				break
			}
			regsMu.Unlock()
			if sid != 0 {
				r.RemoveCallee(realm1, rid, sid, "test") // may have gone meanwhile
			}
			for range 30 {
				runtimeYield()
			}
		}
	}()

	var total, finals atomic.Int64
	var mu sync.Mutex
	reasons := map[wamp.URI]int{}
	var cwg sync.WaitGroup
	for i := range callers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			tr := r.Connect()
			defer tr.Close()
			ctx := context.Background()
			tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(progressiveCaller)}})
			m, err := tr.Recv(ctx)
			w, ok := m.(*wamp.Welcome)
			if !ok {
				t.Errorf("join: %v %v", m, err)
				return
			}
			defer func() { // answered or not, the router counts no call left
				if info, ok := r.Session(realm1, w.Session); !ok || info.PendingCalls != 0 {
					t.Errorf("caller %d: PendingCalls = %d (%v) at the end", i, info.PendingCalls, ok)
				}
			}()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			outstanding := map[wamp.ID]bool{}
			open := map[wamp.ID]int{} // streams: parts still to send
			next := wamp.ID(1)
			flush := func() { // the remaining parts of the open streams
				for id, n := range open {
					for k := n; k > 0; k-- {
						tr.Send(ctx, &wamp.Call{Request: id, Options: wamp.Dict{"progress": k > 1}, Procedure: "adv", Args: wamp.List{int64(-1)}})
					}
					delete(open, id)
				}
			}
			// The call that times out (see slow above).
			slowID := next
			next++
			tr.Send(ctx, &wamp.Call{Request: slowID, Options: wamp.Dict{"timeout": int64(5)}, Procedure: "adv.slow", Args: wamp.List{int64(-1)}})
			outstanding[slowID] = true
			total.Add(1)
			for sent := 0; sent < calls || len(outstanding) > 0; {
				if sent < calls && len(outstanding) < 8 {
					id := next
					next++
					n := int64(sent*callers + i)
					opts := wamp.Dict{}
					if rng.IntN(3) == 0 {
						opts["timeout"] = int64(1 + rng.IntN(20))
					}
					if rng.IntN(3) == 0 {
						opts["receive_progress"] = true
					}
					if rng.IntN(3) == 0 {
						opts["progress"] = true
						open[id] = 1 + rng.IntN(3)
					}
					tr.Send(ctx, &wamp.Call{Request: id, Options: opts, Procedure: "adv", Args: wamp.List{n}})
					outstanding[id] = true
					sent++
					total.Add(1)
					if rng.IntN(8) == 0 {
						tr.Send(ctx, &wamp.Cancel{Request: id, Options: wamp.Dict{"mode": []string{"skip", "kill", "killnowait"}[rng.IntN(3)]}})
					}
					if rng.IntN(2) == 0 {
						continue
					}
				}
				flush()
				m, err := tr.Recv(ctx)
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
					return
				}
				var id wamp.ID
				switch m := m.(type) {
				case *wamp.Result:
					if p, _ := m.Details["progress"].(bool); p {
						if !outstanding[m.Request] {
							t.Errorf("progress for request %d not outstanding", m.Request)
						}
						continue
					}
					id = m.Request
				case *wamp.Error:
					id = m.Request
					mu.Lock()
					reasons[m.Error]++
					mu.Unlock()
				default:
					t.Errorf("caller got %v", m)
					return
				}
				if !outstanding[id] {
					t.Errorf("request %d answered twice (or never sent)", id)
				}
				delete(outstanding, id)
				finals.Add(1)
			}
		}()
	}
	cwg.Wait()
	stop.Store(true)
	slow.Close()
	wg.Wait()
	if total.Load() != finals.Load() || total.Load() != callers*(calls+1) {
		t.Fatalf("%d calls, %d final answers", total.Load(), finals.Load())
	}
	t.Logf("errors: %v; unavailable answers from callees: %d", reasons, rerouted.Load())
	if reasons[wamp.ErrTimeout] == 0 {
		t.Errorf("no call timed out")
	}
	waitFor(t, "every session to go", func() bool { return r.SessionCount(realm1) == 0 })
	return reasons
}

// runCallee is one life of a hand-driven callee of "adv": it answers
// call n by n%6 — 0 YIELD, 1 ERROR wamp.error.unavailable, 2 and 5 never,
// 3 a progressive then the final YIELD, 4 an application ERROR — a
// stream when its last part has come. It re-registers when revoked and
// leaves after some messages, or when idle for a while.
func runCallee(t *testing.T, r *router.Router, features map[string][]string, stop *atomic.Bool, regsMu *sync.Mutex, regs map[wamp.ID]wamp.ID, unavailable *atomic.Int64) {
	tr := r.Connect()
	defer tr.Close()
	ctx := context.Background()
	tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(features)}})
	m, err := tr.Recv(ctx)
	if err != nil {
		return // the router is closing
	}
	w, ok := m.(*wamp.Welcome)
	if !ok {
		t.Errorf("callee join: %v", m)
		return
	}
	defer func() {
		regsMu.Lock()
		delete(regs, w.Session)
		regsMu.Unlock()
	}()
	req := wamp.ID(1)
	register := func() {
		tr.Send(ctx, &wamp.Register{Request: req, Options: wamp.Dict{"invoke": router.InvokeRoundRobin}, Procedure: "adv"})
		req++
	}
	register()
	firstN := map[wamp.ID]int64{} // a stream's number, from its first part
	life := 20 + rand.IntN(60)
	for k := 0; k < life && !stop.Load(); k++ {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		m, err := tr.Recv(rctx)
		cancel()
		if err != nil {
			return // idle, or the router closing: leave
		}
		switch m := m.(type) {
		case *wamp.Registered:
			regsMu.Lock()
			regs[w.Session] = m.Registration
			regsMu.Unlock()
		case *wamp.Unregistered:
			if m.Request == 0 {
				register()
			}
		case *wamp.Interrupt:
			delete(firstN, m.Request)
			if m.Options["mode"] == "kill" {
				tr.Send(ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
			}
		case *wamp.Invocation:
			n, _ := wamp.AsInt64(m.Args[0])
			if first, ok := firstN[m.Request]; ok {
				n = first
			}
			if p, _ := m.Details["progress"].(bool); p {
				firstN[m.Request] = n
				continue
			}
			delete(firstN, m.Request)
			switch n % 6 {
			case 0:
				tr.Send(ctx, &wamp.Yield{Request: m.Request, Options: wamp.Dict{}, Args: wamp.List{n}})
			case 1:
				unavailable.Add(1)
				tr.Send(ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrUnavailable})
			case 3:
				if m.Details["receive_progress"] == true {
					tr.Send(ctx, &wamp.Yield{Request: m.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{"p"}})
				}
				tr.Send(ctx, &wamp.Yield{Request: m.Request, Options: wamp.Dict{}, Args: wamp.List{n}})
			case 4:
				tr.Send(ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: "app.error"})
			}
		case *wamp.Error, *wamp.Goodbye, *wamp.Abort:
			if _, ok := m.(*wamp.Error); !ok {
				return
			}
		}
	}
}
