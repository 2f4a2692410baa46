package natsfabric_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// What a hand-driven callee does with call number n (n % behaviours).
const (
	answerNow      = iota // YIELD at once, even mid-stream
	answerProgress        // three progressive YIELDs (when asked for), then the final one
	answerHold            // nothing until INTERRUPT (the caller sets a timeout)
	answerError           // ERROR com.example.oops
	answerLastPart        // YIELD once the caller's stream has ended
	behaviours
)

// runRawCallee registers procedure (shared, round robin) on n by hand and
// answers its INVOCATIONs by call number until its transport is closed.
func runRawCallee(t *testing.T, n *node, procedure wamp.URI) wamp.Transport {
	t.Helper()
	p := n.rawJoin(t, rawCallee)
	p.send(&wamp.Register{Request: 1, Options: wamp.Dict{"invoke": router.InvokeRoundRobin}, Procedure: procedure})
	if _, ok := p.recv().(*wamp.Registered); !ok {
		t.Fatal("not registered")
	}
	go func() {
		ctx := context.Background()
		held := map[wamp.ID]int64{} // request → behaviour, for calls not answered yet
		yield := func(req wamp.ID, progress bool, args ...any) {
			opts := wamp.Dict{}
			if progress {
				opts["progress"] = true
			}
			p.tr.Send(ctx, &wamp.Yield{Request: req, Options: opts, Args: args})
		}
		for {
			m, err := p.tr.Recv(ctx)
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wamp.Invocation:
				last := m.Details["progress"] != true
				if b, ok := held[m.Request]; ok { // a further part
					if last && b == answerLastPart {
						delete(held, m.Request)
						yield(m.Request, false, "last part")
					}
					continue
				}
				num, ok := wamp.AsInt64(m.Args[0])
				if !ok {
					yield(m.Request, false) // a probe
					continue
				}
				switch b := num % behaviours; {
				case b == answerNow:
					yield(m.Request, false, num)
				case b == answerProgress:
					if m.Details["receive_progress"] == true {
						for i := range 3 {
							yield(m.Request, true, i)
						}
					}
					yield(m.Request, false, num)
				case b == answerError:
					p.tr.Send(ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: "com.example.oops"})
				case b == answerLastPart && last:
					yield(m.Request, false, num)
				default:
					held[m.Request] = b
				}
			case *wamp.Interrupt:
				if _, ok := held[m.Request]; ok && m.Options["mode"] == "kill" {
					p.tr.Send(ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
				}
				delete(held, m.Request)
			}
		}
	}()
	return p.tr
}

// The invariant across routers: every CALL from a caller on A or B to a
// shared registration with callees on B and C gets exactly one final
// RESULT or ERROR, and no progressive RESULT after it, with call
// timeouts, CANCELs in every mode, progressive results and progressive
// call invocations whose parts keep coming after the call ended.
func TestCallInvariantAcrossRouters(t *testing.T) {
	a, b, c := cluster(t)
	const proc = "com.example.adv"
	runRawCallee(t, b, proc)
	runRawCallee(t, c, proc)
	// Announcements are whole: once a router knows a registration made
	// after com.example.adv on B (C), it knows B's (C's) callee of it.
	for _, n := range []struct {
		node *node
		proc wamp.URI
	}{{b, "com.example.ready.b"}, {c, "com.example.ready.c"}} {
		if _, err := n.node.join(t).Register(ctxT(t), n.proc, func(context.Context, *client.Invocation) (*client.Result, error) {
			return &client.Result{}, nil
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	sa, sb := a.join(t), b.join(t)
	callWhenKnown(t, sa, "com.example.ready.b")
	callWhenKnown(t, sa, "com.example.ready.c")
	callWhenKnown(t, sb, "com.example.ready.c")

	const callers, calls = 4, 100
	var total, finals atomic.Int64
	var mu sync.Mutex
	reasons := map[wamp.URI]int{}
	var wg sync.WaitGroup
	for i := range callers {
		n := a
		if i == callers-1 {
			n = b
		}
		p := n.rawJoin(t, rawCaller)
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := p.tr
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			outstanding := map[wamp.ID]bool{}
			open := map[wamp.ID]int{} // streams: parts still to send
			flush := func() {
				for id, k := range open {
					for ; k > 0; k-- {
						tr.Send(ctx, &wamp.Call{Request: id, Options: wamp.Dict{"progress": k > 1}, Procedure: proc, Args: wamp.List{int64(-1)}})
					}
					delete(open, id)
				}
			}
			next := wamp.ID(1)
			for sent := 0; sent < calls || len(outstanding) > 0; {
				if sent < calls && len(outstanding) < 8 {
					id := next
					next++
					num := int64(sent*callers + i)
					opts := wamp.Dict{}
					if num%behaviours == answerHold || rng.IntN(4) == 0 {
						opts["timeout"] = int64(1 + rng.IntN(30))
					}
					if rng.IntN(2) == 0 {
						opts["receive_progress"] = true
					}
					if rng.IntN(3) == 0 {
						opts["progress"] = true
						open[id] = 1 + rng.IntN(3)
					}
					tr.Send(ctx, &wamp.Call{Request: id, Options: opts, Procedure: proc, Args: wamp.List{num}})
					outstanding[id] = true
					sent++
					total.Add(1)
					if rng.IntN(6) == 0 {
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
					if m.Details["progress"] == true {
						if !outstanding[m.Request] {
							t.Errorf("progressive result for request %d, not outstanding", m.Request)
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
	wg.Wait()
	if total.Load() != finals.Load() || total.Load() != callers*calls {
		t.Fatalf("%d calls, %d final answers", total.Load(), finals.Load())
	}
	t.Logf("errors: %v", reasons)
	if reasons[wamp.ErrTimeout] == 0 || reasons[wamp.ErrCanceled] == 0 {
		t.Errorf("no call timed out or was canceled: %v", reasons)
	}
}
