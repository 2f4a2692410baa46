package client_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// within fails the test unless ch is closed within d.
func within(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("%s: not within %v", what, d)
	}
}

// callbackKinds run action inside a callback of each kind on a session
// joined to a fakeRouter: an event handler, a progress callback of Call,
// an invocation handler.
var callbackKinds = []string{"event", "progress", "invocation"}

// runInCallback joins, makes a callback of kind run, and runs action in it.
// It returns once action has been started; the callback closes returned
// after action returned.
func runInCallback(t *testing.T, s *client.Session, kind string, action func()) (returned chan struct{}) {
	t.Helper()
	ctx := ctxT(t)
	returned = make(chan struct{})
	var once sync.Once
	run := func() { once.Do(func() { action(); close(returned) }) }
	switch kind {
	case "event":
		if _, err := s.Subscribe(ctx, "com.topic", func(*wamp.Event) { run() }, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Publish(ctx, "com.topic", nil, nil, &client.PublishOptions{IncludeMe: true}); err != nil {
			t.Fatal(err)
		}
	case "progress", "invocation":
		if _, err := s.Register(ctx, "com.proc", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			if kind == "invocation" {
				run()
				return &client.Result{}, nil
			}
			inv.SendProgress(ctx, wamp.List{1}, nil)
			<-ctx.Done() // until the session ends
			return nil, ctx.Err()
		}, nil); err != nil {
			t.Fatal(err)
		}
		var opts *client.CallOptions
		if kind == "progress" {
			opts = &client.CallOptions{OnProgress: func(*wamp.Result) { run() }}
		}
		go s.Call(ctx, "com.proc", nil, nil, opts) // ends with the session
	}
	return returned
}

// TestCloseFromCallbacks: Close and Leave called from inside an event
// handler, a progress callback and an invocation handler return at once
// (they used to wait for the goroutine running the callback: forever).
func TestCloseFromCallbacks(t *testing.T) {
	for _, kind := range callbackKinds {
		for _, op := range []string{"Close", "Leave"} {
			t.Run(kind+"/"+op, func(t *testing.T) {
				s := mustJoin(t, &fakeRouter{}, client.JoinOptions{})
				var err error
				returned := runInCallback(t, s, kind, func() {
					if op == "Close" {
						err = s.Close()
					} else {
						err = s.Leave(ctxT(t), "")
					}
				})
				within(t, returned, 3*time.Second, op+" from "+kind)
				if err != nil {
					t.Fatalf("%s: %v", op, err)
				}
				within(t, s.Done(), 3*time.Second, "session end")
				if err := s.Wait(ctxT(t)); err != nil {
					t.Fatalf("Wait: %v", err)
				}
				if !errors.Is(s.Err(), client.ErrSessionClosed) {
					t.Fatalf("Err %v", s.Err())
				}
			})
		}
	}
}

// TestWaitForCallbacks: after Close, Wait returns only once the callback
// still running has returned, whatever its kind.
func TestWaitForCallbacks(t *testing.T) {
	for _, kind := range callbackKinds {
		t.Run(kind, func(t *testing.T) {
			s := mustJoin(t, &fakeRouter{}, client.JoinOptions{})
			inside, release := make(chan struct{}), make(chan struct{})
			var done atomic.Bool
			returned := runInCallback(t, s, kind, func() {
				close(inside)
				<-release // ignores the session's end
				done.Store(true)
			})
			within(t, inside, 3*time.Second, "callback start")
			s.Close()
			within(t, s.Done(), 3*time.Second, "session end")
			short, cancel := context.WithTimeout(ctxT(t), 50*time.Millisecond)
			defer cancel()
			if err := s.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Wait with a callback running: %v", err)
			}
			close(release)
			if err := s.Wait(ctxT(t)); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if !done.Load() {
				t.Fatal("Wait returned before the callback did")
			}
			<-returned
		})
	}
}

// logRecords is a slog handler that keeps the records.
type logRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecords) WithGroup(string) slog.Handler      { return h }

// panics returns the logged panic records: their stack attributes.
func (h *logRecords) panics() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var stacks []string
	for _, r := range h.records {
		if !strings.Contains(r.Message, "panic") {
			continue
		}
		stack := ""
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "stack" {
				stack = a.Value.String()
			}
			return true
		})
		stacks = append(stacks, stack)
	}
	return stacks
}

// TestHandlerPanics: a panic in an event handler, a progress callback or
// an invocation handler is recovered, logged once with its stack, and
// counted; the session goes on (an event handler's panic used to crash the
// program); the caller of a panicking invocation gets an ERROR.
func TestHandlerPanics(t *testing.T) {
	for _, kind := range callbackKinds {
		t.Run(kind, func(t *testing.T) {
			logs := &logRecords{}
			s := mustJoin(t, &fakeRouter{}, client.JoinOptions{Logger: slog.New(logs)})
			ctx := ctxT(t)
			first := true
			var mu sync.Mutex
			boom := func() {
				mu.Lock()
				defer mu.Unlock()
				if first {
					first = false
					panic("boom in " + kind)
				}
			}
			var callErr error
			callDone := make(chan struct{})
			switch kind {
			case "event":
				events := make(chan struct{}, 2)
				if _, err := s.Subscribe(ctx, "com.topic", func(*wamp.Event) { events <- struct{}{}; boom() }, nil); err != nil {
					t.Fatal(err)
				}
				for range 2 {
					if err := s.Publish(ctx, "com.topic", nil, nil, &client.PublishOptions{IncludeMe: true}); err != nil {
						t.Fatal(err)
					}
				}
				<-events
				<-events // the handler runs again after its panic
				close(callDone)
			case "progress":
				if _, err := s.Register(ctx, "com.proc", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
					inv.SendProgress(ctx, wamp.List{1}, nil)
					inv.SendProgress(ctx, wamp.List{2}, nil)
					return &client.Result{Args: wamp.List{"done"}}, nil
				}, nil); err != nil {
					t.Fatal(err)
				}
				var progress atomic.Int32
				res, err := s.Call(ctx, "com.proc", nil, nil, &client.CallOptions{OnProgress: func(*wamp.Result) {
					progress.Add(1)
					boom()
				}})
				if err != nil || res.Args[0] != "done" || progress.Load() != 2 {
					t.Fatalf("Call: %v, %v after %d progress callbacks", res, err, progress.Load())
				}
				close(callDone)
			case "invocation":
				if _, err := s.Register(ctx, "com.proc", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
					boom()
					return &client.Result{Args: wamp.List{"ok"}}, nil
				}, nil); err != nil {
					t.Fatal(err)
				}
				_, callErr = s.Call(ctx, "com.proc", nil, nil, nil)
				var we *client.Error
				if !errors.As(callErr, &we) || we.URI != "wamp.error.runtime_error" {
					t.Fatalf("Call of a panicking handler: %v", callErr)
				}
				if res, err := s.Call(ctx, "com.proc", nil, nil, nil); err != nil || res.Args[0] != "ok" {
					t.Fatalf("Call after the panic: %v, %v", res, err)
				}
				close(callDone)
			}
			within(t, callDone, 5*time.Second, kind)
			// The session goes on.
			if err := s.Publish(ctx, "com.other", nil, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
				t.Fatalf("session after a %s panic: %v", kind, err)
			}
			if n := s.Stats().Panics; n != 1 {
				t.Fatalf("Stats().Panics = %d", n)
			}
			stacks := logs.panics()
			if len(stacks) != 1 || !strings.Contains(stacks[0], "boom") && !strings.Contains(stacks[0], "lifecycle_test.go") {
				t.Fatalf("panic logged %d times, stacks %q", len(stacks), stacks)
			}
		})
	}
}

// TestComponentCallbackPanics: a panic in OnJoin counts as a failed
// attempt, one in OnLeave is recovered; both are logged and counted.
func TestComponentCallbackPanics(t *testing.T) {
	logs := &logRecords{}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	var joins atomic.Int32
	var sessions []*client.Session
	var routers []chan struct{}
	c := &client.Component{
		Realm:  "realm1",
		Retry:  client.RetryPolicy{InitialDelay: time.Millisecond, MaxRetries: 3},
		Logger: slog.New(logs),
		Connect: func(ctx context.Context) (wamp.Transport, error) {
			a, b := memPair()
			done := make(chan struct{})
			routers = append(routers, done)
			go func() { defer close(done); (&fakeRouter{t: b}).serve() }()
			return a, nil
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			sessions = append(sessions, s)
			if joins.Add(1) == 1 {
				panic("OnJoin boom")
			}
			cancel()
			return nil
		},
		OnLeave: func(s *client.Session, reason error) { panic("OnLeave boom") },
	}
	if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	for _, done := range routers {
		<-done
	}
	if joins.Load() != 2 {
		t.Fatalf("joins %d", joins.Load())
	}
	if p := sessions[0].Stats().Panics + sessions[1].Stats().Panics; p != 3 {
		t.Fatalf("%d panics counted, want 3 (OnJoin, 2 × OnLeave)", p)
	}
	if n := len(logs.panics()); n != 3 {
		t.Fatalf("%d panics logged, want 3", n)
	}
}
