package router_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestWelcome(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	if s.ID() < 1 || s.ID() > wamp.MaxID {
		t.Fatalf("session ID %d out of range", s.ID())
	}
	d := s.Details()
	if d["realm"] != realm1 || d["authmethod"] != "anonymous" || d["authrole"] != "anonymous" {
		t.Fatalf("WELCOME.Details = %v", d)
	}
	roles, _ := d["roles"].(wamp.Dict)
	for role, want := range map[string]string{
		"broker": "[event_history event_retention pattern_based_subscription payload_passthru_mode publication_trustlevels publisher_exclusion publisher_identification subscriber_blackwhite_listing subscription_revocation]",
		"dealer": "[call_canceling call_reroute call_timeout call_trustlevels caller_identification pattern_based_registration payload_passthru_mode progressive_call_invocations progressive_call_results registration_revocation shared_registration]",
	} {
		f, _ := roles[role].(wamp.Dict)["features"].(wamp.Dict)
		var names []string
		for k, v := range f {
			if v == true {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		names = slices.DeleteFunc(names, isMetaFeature) // TestMetaWelcomeFeatures checks those
		if fmt.Sprint(names) != want {
			t.Errorf("%s features %v, want %s (implemented and tested)", role, names, want)
		}
	}
	if got := r.SessionCount(realm1); got != 1 {
		t.Fatalf("SessionCount = %d", got)
	}
	if err := s.Leave(ctxT(t), ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to leave", func() bool { return r.SessionCount(realm1) == 0 })
}

func TestSessionIDsDiffer(t *testing.T) {
	r := newRouter(t, nil)
	seen := map[wamp.ID]bool{}
	for range 20 {
		s := join(t, r)
		if seen[s.ID()] {
			t.Fatalf("session ID %d twice", s.ID())
		}
		seen[s.ID()] = true
	}
}

func TestJoinRefused(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms,
			router.RealmConfig{Name: "closed"},
			router.RealmConfig{Name: "tickets", Tickets: map[string]router.TicketPrincipal{"joe": {Ticket: "s3cret", Role: "admin"}}})
	})
	tests := []struct {
		name  string
		realm wamp.URI
		opts  client.JoinOptions
		want  wamp.URI // "" for success
	}{
		{"no such realm", "nowhere", client.JoinOptions{}, wamp.ErrNoSuchRealm},
		{"anonymous refused", "closed", client.JoinOptions{}, wamp.ErrNotAuthorized},
		{"ticket", "tickets", client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "s3cret"}}}, ""},
		{"ticket wrong", "tickets", client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "nope"}}}, wamp.ErrAuthenticationFailed},
		{"ticket unknown user", "tickets", client.JoinOptions{AuthID: "ann", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "s3cret"}}}, wamp.ErrAuthenticationFailed},
		{"no method", "tickets", client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{&client.CRA{Secret: "x"}}}, wamp.ErrNoAuthMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := client.Join(ctxT(t), r.Connect(), tt.realm, tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if s.Details()["authrole"] != "admin" || s.Details()["authid"] != "joe" || s.Details()["authmethod"] != "ticket" {
					t.Fatalf("WELCOME.Details = %v", s.Details())
				}
				return
			}
			var ae *client.AbortError
			if !errors.As(err, &ae) || ae.Reason != tt.want {
				t.Fatalf("err = %v, want ABORT %s", err, tt.want)
			}
		})
	}
}

func TestGoodbyeEcho(t *testing.T) {
	r := newRouter(t, nil)
	c := rawConn(t, r)
	c.join()
	c.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseRealm})
	g, ok := c.recv().(*wamp.Goodbye)
	if !ok || g.Reason != wamp.ErrGoodbyeAndOut {
		t.Fatalf("got %v, want GOODBYE %s", g, wamp.ErrGoodbyeAndOut)
	}
	if _, err := c.tr.Recv(ctxT(t)); !errors.Is(err, router.ErrPipeClosed) {
		t.Fatalf("after GOODBYE: %v, want the transport closed", err)
	}
}

func TestHelloTimeout(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.HelloTimeout = 50 * time.Millisecond })
	c := rawConn(t, r)
	a, ok := c.recv().(*wamp.Abort)
	if !ok || a.Reason != wamp.ErrTimeout {
		t.Fatalf("got %v, want ABORT %s", a, wamp.ErrTimeout)
	}
	// A session that joins in time is not affected later.
	s := join(t, r)
	if _, err := s.Call(ctxT(t), "no.such", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("call after the hello timeout: %v", err)
	}
}

func isWampError(err error, uri wamp.URI) bool {
	var we *client.Error
	return errors.As(err, &we) && we.URI == uri
}

// Protocol violations close the session with ABORT, which the client reads
// before the transport closes; many at once.
func TestProtocolViolations(t *testing.T) {
	r := newRouter(t, nil)
	before := []wamp.Message{ // the first message of a session
		&wamp.Call{Request: 1, Procedure: "a.b"},
		&wamp.Welcome{Session: 1, Details: wamp.Dict{}},
		&wamp.Authenticate{Extra: wamp.Dict{}},
		&wamp.Hello{Realm: realm1, Details: wamp.Dict{}}, // no roles
		&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseRealm},
	}
	after := []wamp.Message{ // after WELCOME
		&wamp.Hello{Realm: realm1, Details: helloDetails},
		&wamp.Event{Subscription: 1, Publication: 1, Details: wamp.Dict{}},
		&wamp.Result{Request: 1, Details: wamp.Dict{}},
		&wamp.Call{Request: 0, Procedure: "a.b"},
		&wamp.Publish{Request: wamp.MaxID + 1, Topic: "a.b"},
		&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: "x.y"},
		&wamp.Invocation{Request: 1, Registration: 1, Details: wamp.Dict{}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	run := func(first bool, m wamp.Message) {
		defer wg.Done()
		ctx := ctxT(t)
		tr := r.Connect()
		defer tr.Close()
		if !first {
			tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
			if w, err := tr.Recv(ctx); err != nil || w.Type() != wamp.TypeWelcome {
				errs <- fmt.Errorf("join: %v %v", w, err)
				return
			}
		}
		tr.Send(ctx, m)
		got, err := tr.Recv(ctx)
		if err != nil {
			errs <- fmt.Errorf("%s: %v", m.Type(), err)
			return
		}
		want := wamp.ErrProtocolViolationURI
		if g, ok := got.(*wamp.Goodbye); ok && m.Type() == wamp.TypeGoodbye && !first {
			_ = g
		}
		if a, ok := got.(*wamp.Abort); !ok || a.Reason != want {
			errs <- fmt.Errorf("%s (first=%v): got %v, want ABORT %s", m.Type(), first, got, want)
		}
	}
	for range 10 {
		for _, m := range before {
			wg.Add(1)
			go run(true, m)
		}
		for _, m := range after {
			wg.Add(1)
			go run(false, m)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, "every session to go", func() bool { return r.SessionCount(realm1) == 0 })
}

// failingTransport returns a protocol error from Recv, as a transport does
// for a message that does not decode.
type failingTransport struct {
	wamp.Transport
	fail bool
}

func (f *failingTransport) Recv(ctx context.Context) (wamp.Message, error) {
	if f.fail {
		return nil, &wamp.ProtocolError{Msg: "bad message"}
	}
	f.fail = true
	return f.Transport.Recv(ctx)
}

func TestMalformedMessage(t *testing.T) {
	r := newRouter(t, nil)
	cli, srv := router.Pipe(0)
	defer cli.Close()
	if err := r.Attach(&failingTransport{Transport: srv}); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	cli.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
	if m, _ := cli.Recv(ctx); m == nil || m.Type() != wamp.TypeWelcome {
		t.Fatalf("got %v, want WELCOME", m)
	}
	m, err := cli.Recv(ctx)
	if a, ok := m.(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("got %v %v, want ABORT protocol_violation", m, err)
	}
}

func TestRouterClose(t *testing.T) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	var ge *client.GoodbyeError
	if !errors.As(s.Err(), &ge) || ge.Reason != wamp.ErrSystemShutdown {
		t.Fatalf("session ended with %v", s.Err())
	}
	s.Close()
	if err := r.Attach(r.Connect()); !errors.Is(err, router.ErrClosed) {
		t.Fatalf("Attach after Close: %v", err)
	}
}

func TestServeTransportContext(t *testing.T) {
	r := newRouter(t, nil)
	cli, srv := router.Pipe(0)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- r.ServeTransport(ctx, srv) }()
	s := joinOver(t, cli)
	cancel()
	<-served
	<-s.Done()
}
