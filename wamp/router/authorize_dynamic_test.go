package router_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// authzLog counts the authorizer's calls by action and URI.
type authzLog struct {
	mu    sync.Mutex
	n     map[string]int
	roles []any
	gate  chan struct{} // com.example.gate: sends when called, answers when it can receive
}

func (l *authzLog) count(action, uri string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[action+" "+uri]
}

// startAuthorizer joins realm1 of r and registers a Crossbar-style
// dynamic authorizer there, deciding by URI.
func startAuthorizer(t *testing.T, r *router.Router) *authzLog {
	t.Helper()
	log := &authzLog{n: map[string]int{}}
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, err = s.Register(ctxT(t), "com.example.authorize", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		session, _ := inv.Args[0].(wamp.Dict)
		uri, _ := inv.Args[1].(string)
		action, _ := inv.Args[2].(string)
		log.mu.Lock()
		log.n[action+" "+uri]++
		log.roles = append(log.roles, session["authrole"])
		log.mu.Unlock()
		switch uri {
		case "com.example.allowed":
			return &client.Result{Args: wamp.List{true}}, nil
		case "com.example.cached":
			return &client.Result{Args: wamp.List{wamp.Dict{"allow": true, "cache": true}}}, nil
		case "com.example.disclosed":
			return &client.Result{Args: wamp.List{wamp.Dict{"allow": true, "disclose": true, "cache": true}}}, nil
		case "com.example.slow":
			<-ctx.Done()
			return nil, ctx.Err()
		case "com.example.gate":
			log.mu.Lock()
			gate := log.gate
			log.mu.Unlock()
			gate <- struct{}{} // called
			<-gate             // opened
			return &client.Result{Args: wamp.List{true}}, nil
		case "com.example.fails":
			return nil, &client.Error{URI: "com.example.oops"}
		}
		return &client.Result{Args: wamp.List{false}}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func guardedRouter(t *testing.T) *router.Router {
	return newRouter(t, func(c *router.Config) {
		c.HelloTimeout = time.Second
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:    "guarded",
			Tickets: map[string]router.TicketPrincipal{"joe": {Ticket: "t", Role: "user"}},
			Roles:   []router.RoleConfig{{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: "com.example.authorize", Realm: realm1}}},
		})
	})
}

func wantWAMPError(t *testing.T, err error, uri wamp.URI) {
	t.Helper()
	var we *client.Error
	if !errors.As(err, &we) || we.URI != uri {
		t.Fatalf("err = %v, want ERROR %s", err, uri)
	}
}

func TestAuthorizeProcedure(t *testing.T) {
	r := guardedRouter(t)
	log := startAuthorizer(t, r)
	joe, err := joinWith(t, r, "guarded", "joe", &client.Ticket{Ticket: "t"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	noop := func(*wamp.Event) {}

	if _, err := joe.Subscribe(ctx, "com.example.allowed", noop, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := joe.Subscribe(ctx, "com.example.allowed", noop, nil); err != nil {
		t.Fatal(err)
	}
	if n := log.count("subscribe", "com.example.allowed"); n != 2 {
		t.Fatalf("uncached decision asked %d times, want 2", n)
	}
	log.mu.Lock()
	if log.roles[0] != "user" {
		t.Fatalf("session details authrole %v", log.roles[0])
	}
	log.mu.Unlock()

	wantWAMPError(t, joe.Publish(ctx, "com.example.denied", nil, nil, &client.PublishOptions{Acknowledge: true}), wamp.ErrNotAuthorized)
	_, err = joe.Register(ctx, "com.example.fails", func(context.Context, *client.Invocation) (*client.Result, error) { return nil, nil }, nil)
	wantWAMPError(t, err, wamp.ErrAuthorizationFailed)
	_, err = joe.Subscribe(ctx, "com.example.slow", noop, nil) // no answer within the hello timeout
	wantWAMPError(t, err, wamp.ErrAuthorizationFailed)

	for range 3 {
		if err := joe.Publish(ctx, "com.example.cached", nil, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n := log.count("publish", "com.example.cached"); n != 1 {
		t.Fatalf("cached decision asked %d times, want 1", n)
	}

	// A disclosing decision: the callee sees the caller.
	if _, err := joe.Register(ctx, "com.example.disclosed", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		id, _ := inv.Caller()
		return &client.Result{Args: wamp.List{uint64(id)}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := joe.Call(ctx, "com.example.disclosed", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := wamp.AsID(res.Args[0]); id != joe.ID() {
		t.Fatalf("callee saw caller %v, want %v", res.Args[0], joe.ID())
	}
}

// Messages sent while a decision is outstanding wait behind it, in order;
// the event loop serves other sessions meanwhile.
func TestAuthorizeProcedureOrderWebSocket(t *testing.T) {
	r := guardedRouter(t)
	log := startAuthorizer(t, r)
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	tr, err := client.Dial(ctxT(t), url, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	joe, err := client.Join(ctxT(t), tr, "guarded", client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer joe.Close()
	ctx := ctxT(t)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for _, topic := range []wamp.URI{"com.example.allowed", "com.example.denied", "com.example.cached", "com.example.allowed"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- joe.Publish(ctx, topic, nil, nil, &client.PublishOptions{Acknowledge: true})
		}()
	}
	wg.Wait()
	close(errs)
	denied := 0
	for err := range errs {
		if err != nil {
			wantWAMPError(t, err, wamp.ErrNotAuthorized)
			denied++
		}
	}
	if denied != 1 || log.count("publish", "com.example.allowed") != 2 || log.count("publish", "com.example.cached") != 1 {
		t.Fatalf("denied %d, asked %v", denied, log.n)
	}
}

// A message sent while a decision is outstanding is handled after the
// decided one: UNSUBSCRIBE's ERROR follows the PUBLISHED it was sent after.
func TestAuthorizeProcedureHoldsOrder(t *testing.T) {
	r := guardedRouter(t)
	log := startAuthorizer(t, r)
	gate := make(chan struct{})
	log.mu.Lock()
	log.gate = gate
	log.mu.Unlock()
	tr := r.Connect()
	defer tr.Close()
	ctx := ctxT(t)
	details := wamp.Dict{"authid": "joe", "authmethods": wamp.List{"ticket"}}
	for k, v := range helloDetails {
		details[k] = v
	}
	recv := func() wamp.Message {
		t.Helper()
		m, err := tr.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	send := func(m wamp.Message) {
		t.Helper()
		if err := tr.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	send(&wamp.Hello{Realm: "guarded", Details: details})
	if m := recv(); m.Type() != wamp.TypeChallenge {
		t.Fatalf("got %v", m)
	}
	send(&wamp.Authenticate{Signature: "t", Extra: wamp.Dict{}})
	if m := recv(); m.Type() != wamp.TypeWelcome {
		t.Fatalf("got %v", m)
	}
	send(&wamp.Publish{Request: 1, Options: wamp.Dict{"acknowledge": true}, Topic: "com.example.gate"})
	send(&wamp.Unsubscribe{Request: 2, Subscription: 12345})
	<-gate // the authorizer is deciding on the PUBLISH
	gate <- struct{}{}
	if m, ok := recv().(*wamp.Published); !ok || m.Request != 1 {
		t.Fatalf("first answer %v, want PUBLISHED 1", m)
	}
	if m, ok := recv().(*wamp.Error); !ok || m.Request != 2 || m.Error != wamp.ErrNoSuchSubscription {
		t.Fatalf("second answer %v, want ERROR 2 no_such_subscription", m)
	}
}

// Crossbar's dynamic authorizer: a client of realm "auth" registers
// com.example.authorize, and the router asks it what the "user" role of
// realm1 may do.
func ExampleProcedureAuthorizer() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{
		{Name: "auth", AllowAnonymous: true}, // in real life: a role that alone may register there
		{Name: "realm1", AllowAnonymous: true, AnonymousRole: "user", Roles: []router.RoleConfig{
			{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: "com.example.authorize", Realm: "auth"}},
		}},
	}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	authorizer, err := client.Join(ctx, r.Connect(), "auth", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer authorizer.Close()
	_, err = authorizer.Register(ctx, "com.example.authorize", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		// (session, uri, action, options)
		uri, action := inv.Args[1], inv.Args[2]
		allow := action == "publish" && uri == "com.example.news"
		return &client.Result{Args: wamp.List{wamp.Dict{"allow": allow, "cache": true}}}, nil
	}, nil)
	if err != nil {
		panic(err)
	}

	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ack := &client.PublishOptions{Acknowledge: true}
	fmt.Println(s.Publish(ctx, "com.example.news", nil, nil, ack))
	fmt.Println(s.Publish(ctx, "com.example.secret", nil, nil, ack))
	// Output:
	// <nil>
	// wamp: wamp.error.not_authorized: session is not authorized to publish "com.example.secret"
}
