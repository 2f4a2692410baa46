package client_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r16bJoinWS joins the WebSocket router w as a new session, closed when
// the test ends.
func r16bJoinWS(t *testing.T, w *wsRouter, opts client.JoinOptions) *client.Session {
	t.Helper()
	tr, err := client.Dial(ctxT(t), "ws://"+w.ln.Addr().String()+"/ws", client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctxT(t), tr, "realm1", opts)
	if err != nil {
		tr.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// r16bParts is a Progressive handler that takes every part, sends each
// one's first argument back as a progressive result, and returns them all.
func r16bParts(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
	var all wamp.List
	part := inv.Invocation
	for {
		all = append(all, part.Args...)
		if err := inv.SendProgress(ctx, part.Args, nil); err != nil {
			return nil, err
		}
		if !inv.MoreParts() {
			break
		}
		var err error
		if part, err = inv.NextPart(ctx); err != nil {
			return nil, err
		}
	}
	if _, err := inv.NextPart(ctx); err != io.EOF {
		return nil, errors.New("NextPart after the last part: " + errString(err))
	}
	return &client.Result{Args: all}, nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// A caller streams its arguments in parts over WebSocket through our
// router to a Progressive registration; the callee takes them in order,
// answers progressively on the way and once at the end; the caller's
// OnProgress sees every progressive result before Finish returns.
func TestReview16bStreamCallWebSocket(t *testing.T) {
	w := startWSRouter(t, "127.0.0.1:0")
	defer w.stop(t)
	callee, caller := r16bJoinWS(t, w, client.JoinOptions{}), r16bJoinWS(t, w, client.JoinOptions{})
	if _, err := callee.Register(ctxT(t), "com.parts", r16bParts, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	var progress []any
	cs, err := caller.StreamCall(ctxT(t), "com.parts", wamp.List{"a"}, nil, &client.CallOptions{
		OnProgress: func(r *wamp.Result) { progress = append(progress, r.Args[0]) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"b", "c"} {
		if err := cs.Send(wamp.List{p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	res, err := cs.Finish(wamp.List{"d"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"a", "b", "c", "d"}
	if len(res.Args) != len(want) || len(progress) != len(want) {
		t.Fatalf("result %v, progress %v; want %v for both", res.Args, progress, want)
	}
	for i := range want {
		if res.Args[i] != want[i] || progress[i] != want[i] {
			t.Fatalf("result %v, progress %v; want %v for both", res.Args, progress, want)
		}
	}
	if _, err := cs.Finish(nil, nil); err == nil {
		t.Fatal("a second Finish: no error")
	}
	if err := cs.Send(nil, nil); err == nil {
		t.Fatal("Send after Finish: no error")
	}
	// A plain call of the same procedure is a stream of one part.
	res, err = caller.Call(ctxT(t), "com.parts", wamp.List{"x"}, nil, nil)
	if err != nil || len(res.Args) != 1 || res.Args[0] != "x" {
		t.Fatalf("plain call: %v, %v", res, err)
	}
}

// When the caller's ctx ends mid-stream, the caller gets ctx's error (and
// sends CANCEL); the callee's handler, waiting in NextPart, is interrupted
// and its ERROR goes nowhere. The callee's session goes on. Both modes
// that interrupt the callee (kill, the default, and killnowait) do so.
func TestReview16bStreamCallCanceledMidStream(t *testing.T) {
	for _, mode := range []string{"", client.CancelKillNoWait} {
		t.Run("mode="+mode, func(t *testing.T) { r16bCanceledMidStream(t, mode) })
	}
}

func r16bCanceledMidStream(t *testing.T, mode string) {
	r := inProcessRouter(t)
	callee, caller := joinRouter(t, r), joinRouter(t, r)
	started := make(chan struct{})
	nextErr := make(chan error, 1)
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if !inv.MoreParts() {
			return &client.Result{Args: inv.Args}, nil
		}
		close(started)
		_, err := inv.NextPart(ctx)
		nextErr <- err
		return nil, err
	}
	if _, err := callee.Register(ctxT(t), "com.wait", h, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	cs, err := caller.StreamCall(ctx, "com.wait", wamp.List{1}, nil, &client.CallOptions{CancelMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if err := <-nextErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("NextPart: %v, want context.Canceled (interrupted)", err)
	}
	if err := cs.Send(wamp.List{2}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send: %v, want context.Canceled", err)
	}
	if _, err := cs.Finish(nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Finish: %v, want context.Canceled", err)
	}
	res, err := caller.Call(ctxT(t), "com.wait", wamp.List{"after"}, nil, nil)
	if err != nil || res.Args[0] != "after" {
		t.Fatalf("call after the canceled stream: %v, %v", res, err)
	}
}

// r16bGate is a callee's transport that holds the second part of a
// progressive call invocation (the first that continues a stream) back
// from the session until gate is closed; held is closed once it came.
type r16bGate struct {
	wamp.Transport
	parts      int
	held, gate chan struct{}
}

func (g *r16bGate) Recv(ctx context.Context) (wamp.Message, error) {
	m, err := g.Transport.Recv(ctx)
	if inv, ok := m.(*wamp.Invocation); ok && inv.Details["progress"] == true {
		if g.parts++; g.parts == 2 { // only the reader calls Recv
			close(g.held)
			<-g.gate
		}
	}
	return m, err
}

// r16bGatedCallee joins r over a r16bGate.
func r16bGatedCallee(t *testing.T, r interface{ Connect() wamp.Transport }) (*client.Session, *r16bGate) {
	t.Helper()
	g := &r16bGate{Transport: r.Connect(), held: make(chan struct{}), gate: make(chan struct{})}
	s, err := client.Join(ctxT(t), g, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-g.gate:
		default:
			close(g.gate)
		}
		s.Close()
	})
	return s, g
}

// A callee may answer before the last part: the caller's Send then says
// so (ErrCallAnswered), Finish returns the answer, and the parts that
// reach the callee after its answer are discarded, not taken for new
// calls.
func TestReview16bStreamCallAnsweredEarly(t *testing.T) {
	r := inProcessRouter(t)
	callee, g := r16bGatedCallee(t, r)
	caller := joinRouter(t, r)
	var calls atomic.Int32
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if calls.Add(1) == 1 {
			<-g.held // a part has reached the callee, and waits
		}
		return &client.Result{Args: wamp.List{"early"}}, nil
	}
	if _, err := callee.Register(ctxT(t), "com.early", h, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	cs, err := caller.StreamCall(ctxT(t), "com.early", wamp.List{0}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		err := cs.Send(wamp.List{i}, nil)
		if errors.Is(err, client.ErrCallAnswered) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := cs.Finish(nil, nil)
	if err != nil || res.Args[0] != "early" {
		t.Fatalf("Finish: %v, %v", res, err)
	}
	close(g.gate) // the held part reaches the session after the answer
	// The router forwards in order: every part it passed on reaches the
	// callee before this call's INVOCATION.
	if _, err := caller.Call(ctxT(t), "com.early", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("the handler ran %d times, want 2", n)
	}
}

// A registration made without RegisterOptions.Progressive refuses a
// stream with wamp.error.feature_not_supported, once, and discards its
// parts; the session goes on.
func TestReview16bStreamCallNotProgressive(t *testing.T) {
	r := inProcessRouter(t)
	callee, g := r16bGatedCallee(t, r)
	caller := joinRouter(t, r)
	var calls atomic.Int32
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		calls.Add(1)
		return &client.Result{}, nil
	}
	if _, err := callee.Register(ctxT(t), "com.plain", h, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := caller.StreamCall(ctxT(t), "com.plain", wamp.List{1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if err := cs.Send(wamp.List{i}, nil); err != nil {
			if !errors.Is(err, client.ErrCallAnswered) {
				t.Fatal(err)
			}
			break
		}
	}
	_, err = cs.Finish(nil, nil)
	var we *client.Error
	if !errors.As(err, &we) || we.URI != wamp.ErrFeatureNotSupported {
		t.Fatalf("Finish: %v, want wamp.error.feature_not_supported", err)
	}
	close(g.gate) // a part held back, if one came, reaches the session now
	if _, err := caller.Call(ctxT(t), "com.plain", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the handler ran %d times, want 1 (the plain call)", n)
	}
}

// Parts wait for NextPart in a bounded queue (JoinOptions.EventQueue):
// when more come, the callee's session answers the call with
// wamp.error.unavailable and cancels the handler's ctx; the handler's own
// answer is dropped.
func TestReview16bStreamCallPartsBounded(t *testing.T) {
	r := inProcessRouter(t)
	callee, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{EventQueue: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Close()
	caller := joinRouter(t, r)
	var once sync.Once
	canceled := make(chan struct{})
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if inv.MoreParts() {
			<-ctx.Done() // never takes a part
			once.Do(func() { close(canceled) })
		}
		return &client.Result{Args: wamp.List{"handler"}}, nil
	}
	if _, err := callee.Register(ctxT(t), "com.slow", h, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	cs, err := caller.StreamCall(ctxT(t), "com.slow", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if err := cs.Send(wamp.List{i}, nil); err != nil {
			if !errors.Is(err, client.ErrCallAnswered) {
				t.Fatal(err)
			}
			break
		}
	}
	_, err = cs.Finish(nil, nil)
	var we *client.Error
	if !errors.As(err, &we) || we.URI != wamp.ErrUnavailable {
		t.Fatalf("Finish: %v, want wamp.error.unavailable", err)
	}
	<-canceled
	if res, err := caller.Call(ctxT(t), "com.slow", nil, nil, nil); err != nil || res.Args[0] != "handler" {
		t.Fatalf("call after: %v, %v", res, err)
	}
}

// StreamCall refuses at once, sending nothing, when the router did not
// announce progressive_call_invocations: such a dealer would take every
// part for a call of its own.
func TestReview16bStreamCallNeedsDealerFeature(t *testing.T) {
	r := &r14Router{onHello: func(*wamp.Hello) []wamp.Message {
		return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"authmethod": "anonymous", "roles": routerRoles}}}
	}}
	s, err := r.join(t, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StreamCall(ctxT(t), "com.x", nil, nil, nil); err == nil {
		t.Fatal("StreamCall: no error")
	}
	s.Close()
	for _, m := range r.stopped() {
		if m.Type() == wamp.TypeCall {
			t.Fatalf("sent %v", m)
		}
	}
}

// HELLO announces progressive_call_invocations for caller and callee
// (with call_canceling, which a dealer requires of a callee for it).
func TestReview16bAnnouncesProgressiveCallInvocations(t *testing.T) {
	r := &r14Router{onHello: func(*wamp.Hello) []wamp.Message {
		return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"authmethod": "anonymous", "roles": routerRoles}}}
	}}
	s, err := r.join(t, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	hello := r.stopped()[0].(*wamp.Hello)
	roles, _ := hello.Details["roles"].(wamp.Dict)
	for _, role := range []string{"caller", "callee"} {
		d, _ := roles[role].(wamp.Dict)
		f, _ := d["features"].(wamp.Dict)
		if f["progressive_call_invocations"] != true || f["call_canceling"] != true {
			t.Errorf("%s features %v", role, f)
		}
	}
}

// A stream that waits for a free handler (MaxConcurrentInvocations) keeps
// its parts, in order, until its handler runs.
func TestReview16bStreamCallQueued(t *testing.T) {
	r := inProcessRouter(t)
	callee, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{MaxConcurrentInvocations: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Close()
	caller := joinRouter(t, r)
	running, release := make(chan struct{}, 1), make(chan struct{})
	block := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		running <- struct{}{}
		<-release
		return &client.Result{}, nil
	}
	if _, err := callee.Register(ctxT(t), "com.block", block, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callee.Register(ctxT(t), "com.parts", r16bParts, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan error, 1)
	go func() {
		_, err := caller.Call(ctxT(t), "com.block", nil, nil, nil)
		blocked <- err
	}()
	<-running
	cs, err := caller.StreamCall(ctxT(t), "com.parts", wamp.List{"a"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"b", "c"} {
		if err := cs.Send(wamp.List{p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// One handler runs and one invocation (the stream) waits: the next
	// is refused. The dealer forwards in order, so the callee has read
	// the stream's parts by then.
	if _, err := caller.Call(ctxT(t), "com.block", nil, nil, nil); err == nil || callee.Stats().RejectedInvocations != 1 {
		t.Fatalf("third call: %v, %d rejected; want it refused by the callee", err, callee.Stats().RejectedInvocations)
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	res, err := cs.Finish(wamp.List{"d"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Args) != 4 || res.Args[0] != "a" || res.Args[1] != "b" || res.Args[2] != "c" || res.Args[3] != "d" {
		t.Fatalf("result %v, want [a b c d]", res.Args)
	}
}

// When the caller's session ends mid-stream, Send and Finish fail with
// ErrSessionClosed; the callee's handler is interrupted.
func TestReview16bStreamCallSessionClosed(t *testing.T) {
	r := inProcessRouter(t)
	callee := joinRouter(t, r)
	caller, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started, stopped := make(chan struct{}), make(chan error, 1)
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		close(started)
		_, err := inv.NextPart(ctx)
		stopped <- err
		return nil, err
	}
	if _, err := callee.Register(ctxT(t), "com.wait", h, &client.RegisterOptions{Progressive: true}); err != nil {
		t.Fatal(err)
	}
	cs, err := caller.StreamCall(ctxT(t), "com.wait", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	caller.Close()
	if err := cs.Send(nil, nil); !errors.Is(err, client.ErrSessionClosed) {
		t.Fatalf("Send: %v, want ErrSessionClosed", err)
	}
	if _, err := cs.Finish(nil, nil); !errors.Is(err, client.ErrSessionClosed) {
		t.Fatalf("Finish: %v, want ErrSessionClosed", err)
	}
	if err := <-stopped; err == nil {
		t.Fatal("NextPart: no error once the caller left")
	}
}
