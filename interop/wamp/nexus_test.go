package wamp

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	nexusrouter "github.com/gammazero/nexus/v3/router"
	nexusauth "github.com/gammazero/nexus/v3/router/auth"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var serializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}

// keyStore serves the credentials of the test users to nexus.
type keyStore struct {
	cryptosignPub ed25519.PublicKey
	saltedKey     []byte
}

const (
	ticketUser = "ticketuser"
	ticket     = "t1cket"
	craUser    = "crauser"
	craSecret  = "cr4secret"
	saltUser   = "saltuser"
	saltSecret = "s4ltsecret"
	salt       = "salt123"
	csUser     = "csuser"
)

func (k *keyStore) AuthKey(authid, method string) ([]byte, error) {
	switch {
	case authid == ticketUser && method == "ticket":
		return []byte(ticket), nil
	case authid == craUser && method == "wampcra":
		return []byte(craSecret), nil
	case authid == saltUser && method == "wampcra":
		return k.saltedKey, nil
	case authid == csUser && method == "cryptosign":
		return k.cryptosignPub, nil
	}
	return nil, errors.New("no such user")
}

func (k *keyStore) PasswordInfo(authid string) (string, int, int) {
	if authid == saltUser {
		return salt, 32, 1000
	}
	return "", 0, 0
}

func (k *keyStore) AuthRole(string) (string, error) { return "user", nil }
func (k *keyStore) Provider() string                { return "test" }

type nexus struct {
	addr    string
	csKey   ed25519.PrivateKey
	closeFn func()
}

// startNexus runs a nexus router with its RawSocket server on 127.0.0.1:0.
func startNexus(t *testing.T) *nexus {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	saltedKey, err := client.DeriveCRAKey(saltSecret, salt, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	ks := &keyStore{cryptosignPub: pub, saltedKey: saltedKey}
	cfg := &nexusrouter.Config{RealmConfigs: []*nexusrouter.RealmConfig{{
		URI:           "realm1",
		AnonymousAuth: true,
		AllowDisclose: true,
		Authenticators: []nexusauth.Authenticator{
			nexusauth.NewTicketAuthenticator(ks, 5*time.Second),
			nexusauth.NewCRAuthenticator(ks, 5*time.Second),
			nexusauth.NewCryptoSignAuthenticator(ks, 5*time.Second),
		},
	}}}
	r, err := nexusrouter.NewRouter(cfg, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	closer, err := nexusrouter.NewRawSocketServer(r).ListenAndServe("tcp", "127.0.0.1:0")
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	n := &nexus{addr: closer.(net.Listener).Addr().String(), csKey: priv}
	var once sync.Once
	n.closeFn = func() { once.Do(func() { closer.Close(); r.Close() }) }
	t.Cleanup(n.closeFn)
	return n
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (n *nexus) join(t *testing.T, s wamp.Serializer, opts client.JoinOptions) *client.Session {
	t.Helper()
	sess, err := n.tryJoin(t, s, opts)
	if err != nil {
		t.Fatalf("join over %s: %v", s.Name(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sess.Leave(ctx, "")
	})
	return sess
}

func (n *nexus) tryJoin(t *testing.T, s wamp.Serializer, opts client.JoinOptions) (*client.Session, error) {
	c, err := rawsocket.Dial(ctxT(t), "tcp", n.addr, rawsocket.Options{Serializer: s})
	if err != nil {
		return nil, err
	}
	return client.Join(ctxT(t), c, "realm1", opts)
}

func TestAuth(t *testing.T) {
	n := startNexus(t)
	tests := []struct {
		name    string
		opts    client.JoinOptions
		wantErr bool
	}{
		{"anonymous", client.JoinOptions{}, false},
		{"ticket", client.JoinOptions{AuthID: ticketUser, Authenticators: []client.Authenticator{&client.Ticket{Ticket: ticket}}}, false},
		{"ticket wrong", client.JoinOptions{AuthID: ticketUser, Authenticators: []client.Authenticator{&client.Ticket{Ticket: "bad"}}}, true},
		{"wampcra", client.JoinOptions{AuthID: craUser, Authenticators: []client.Authenticator{&client.CRA{Secret: craSecret}}}, false},
		{"wampcra wrong", client.JoinOptions{AuthID: craUser, Authenticators: []client.Authenticator{&client.CRA{Secret: "bad"}}}, true},
		{"wampcra salted", client.JoinOptions{AuthID: saltUser, Authenticators: []client.Authenticator{&client.CRA{Secret: saltSecret}}}, false},
		{"cryptosign", client.JoinOptions{AuthID: csUser, Authenticators: []client.Authenticator{&client.Cryptosign{PrivateKey: n.csKey}}}, false},
	}
	for _, s := range serializers {
		for _, tt := range tests {
			t.Run(s.Name()+"/"+tt.name, func(t *testing.T) {
				sess, err := n.tryJoin(t, s, tt.opts)
				if tt.wantErr {
					// nexus sends ABORT and closes the connection; its send
					// queue sometimes loses the race, so EOF counts too.
					var ae *client.AbortError
					if err == nil || !errors.As(err, &ae) && !errors.Is(err, io.EOF) {
						t.Fatalf("err %v, want ABORT (or EOF)", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer sess.Leave(ctxT(t), "")
				if tt.opts.AuthID != "" && sess.Details()["authid"] != tt.opts.AuthID {
					t.Fatalf("WELCOME details %v", sess.Details())
				}
			})
		}
	}
}

func TestRPC(t *testing.T) {
	n := startNexus(t)
	for _, calleeSer := range serializers {
		for _, callerSer := range serializers {
			t.Run(calleeSer.Name()+"->"+callerSer.Name(), func(t *testing.T) {
				ctx := ctxT(t)
				callee := n.join(t, calleeSer, client.JoinOptions{})
				caller := n.join(t, callerSer, client.JoinOptions{})
				proc := wamp.URI(fmt.Sprintf("com.test.echo.%s.%s", calleeSer.Name(), callerSer.Name()))
				reg, err := callee.Register(ctx, proc, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
					if c, ok := inv.Caller(); !ok || c != caller.ID() {
						return nil, &client.Error{URI: "com.test.no_caller"}
					}
					return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
				}, &client.RegisterOptions{DiscloseCaller: true})
				if err != nil {
					t.Fatal(err)
				}
				bin := binaryFor(calleeSer, callerSer, []byte{0, 1, 2, 0xfe, 0xff})
				res, err := caller.Call(ctx, proc, wamp.List{"hi", bin, 3}, wamp.Dict{"b": bin}, nil)
				if err != nil {
					t.Fatal(err)
				}
				var (
					s   string
					b   any
					num int
				)
				if err := client.DecodeArgs(res.Args, &s, &b, &num); err != nil || s != "hi" || !sameBinary(b, bin) || num != 3 {
					t.Fatalf("result %v: %v", res.Args, err)
				}
				if !sameBinary(res.Kwargs["b"], bin) {
					t.Fatalf("kwargs %v", res.Kwargs)
				}
				// A WAMP error travels back as *client.Error.
				_, err = caller.Call(ctx, "com.test.nowhere", nil, nil, nil)
				if !errors.Is(err, &client.Error{URI: wamp.ErrNoSuchProcedure}) {
					t.Fatalf("no such procedure: %v", err)
				}
				if err := callee.Unregister(ctx, reg); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestProgressAndCancel(t *testing.T) {
	n := startNexus(t)
	for _, s := range serializers {
		t.Run(s.Name(), func(t *testing.T) {
			ctx := ctxT(t)
			callee := n.join(t, s, client.JoinOptions{})
			caller := n.join(t, s, client.JoinOptions{})
			if _, err := callee.Register(ctx, "com.test.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				for i := range 3 {
					if err := inv.SendProgress(ctx, wamp.List{i}, nil); err != nil {
						return nil, err
					}
				}
				return &client.Result{Args: wamp.List{"done"}}, nil
			}, nil); err != nil {
				t.Fatal(err)
			}
			var progress []int64
			res, err := caller.Call(ctx, "com.test.count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
				n, _ := wamp.AsInt64(r.Args[0])
				progress = append(progress, n)
			}})
			if err != nil || fmt.Sprint(progress) != "[0 1 2]" || res.Args[0] != "done" {
				t.Fatalf("progress %v, result %v, err %v", progress, res, err)
			}

			interrupted := make(chan struct{})
			if _, err := callee.Register(ctx, "com.test.slow", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				<-ctx.Done()
				close(interrupted)
				return nil, ctx.Err()
			}, nil); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			if _, err := caller.Call(cctx, "com.test.slow", nil, nil, &client.CallOptions{CancelMode: client.CancelKill}); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("canceled call: %v", err)
			}
			select {
			case <-interrupted:
			case <-time.After(10 * time.Second):
				t.Fatal("callee was not interrupted")
			}
		})
	}
}

func TestPubSub(t *testing.T) {
	n := startNexus(t)
	for _, pubSer := range serializers {
		for _, subSer := range serializers {
			t.Run(pubSer.Name()+"->"+subSer.Name(), func(t *testing.T) {
				ctx := ctxT(t)
				pub := n.join(t, pubSer, client.JoinOptions{})
				sub := n.join(t, subSer, client.JoinOptions{})
				events := make(chan *wamp.Event, 8)
				topic := wamp.URI("com.test.topic." + pubSer.Name() + "." + subSer.Name())
				subscription, err := sub.Subscribe(ctx, topic, func(e *wamp.Event) { events <- e }, nil)
				if err != nil {
					t.Fatal(err)
				}
				bin := binaryFor(pubSer, subSer, []byte{0, 0xff, 0x10})
				if err := pub.Publish(ctx, topic, wamp.List{bin}, wamp.Dict{"n": 1}, &client.PublishOptions{Acknowledge: true}); err != nil {
					t.Fatal(err)
				}
				// Excluded by session ID: this one must not arrive.
				if err := pub.Publish(ctx, topic, wamp.List{"excluded"}, nil, &client.PublishOptions{Acknowledge: true, Exclude: []wamp.ID{sub.ID()}}); err != nil {
					t.Fatal(err)
				}
				if err := pub.Publish(ctx, topic, wamp.List{"last"}, nil, &client.PublishOptions{Acknowledge: true, Eligible: []wamp.ID{sub.ID()}}); err != nil {
					t.Fatal(err)
				}
				for i, want := range []any{bin, "last"} {
					select {
					case e := <-events:
						if !sameBinary(e.Args[0], want) {
							t.Fatalf("event %d: %v, want %q", i, e.Args, want)
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("event %d did not arrive", i)
					}
				}
				if err := sub.Unsubscribe(ctx, subscription); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// binaryFor returns b when it can cross the nexus router between the two
// serializers. nexus passes values through untouched: a JSON peer's
// "\u0000"+base64 string reaches a MessagePack or CBOR peer as that string,
// and native binary reaches a JSON peer as plain base64 (no "\u0000"), so
// binary payloads across JSON and a binary serializer do not survive nexus
// (they do survive our serializers; see wamp.TestCrossSerializers). For
// those pairs a string stands in.
func binaryFor(a, b wamp.Serializer, p []byte) any {
	if (a.Name() == "json") != (b.Name() == "json") {
		return "no-binary-across-json-via-nexus"
	}
	return p
}

func sameBinary(got, want any) bool {
	if w, ok := want.([]byte); ok {
		g, ok := got.([]byte)
		return ok && string(g) == string(w)
	}
	return got == want
}

// TestPatternSubscription uses a prefix subscription alone: nexus v3.3.0
// writes Details.topic into an event it may be serializing for another
// subscriber at the same time (a data race inside nexus that -race reports).
func TestPatternSubscription(t *testing.T) {
	n := startNexus(t)
	ctx := ctxT(t)
	pub := n.join(t, cbor.Serializer{}, client.JoinOptions{})
	sub := n.join(t, json.Serializer{}, client.JoinOptions{})
	events := make(chan *wamp.Event, 1)
	if _, err := sub.Subscribe(ctx, "com.prefix", func(e *wamp.Event) { events <- e }, &client.SubscribeOptions{Match: wamp.MatchPrefix}); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, "com.prefix.a.b", wamp.List{1}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if e.Details["topic"] != "com.prefix.a.b" {
			t.Fatalf("details %v", e.Details)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
}

func TestPatternAndSharedRegistration(t *testing.T) {
	n := startNexus(t)
	ctx := ctxT(t)
	s := serializers[1] // msgpack
	callee1 := n.join(t, s, client.JoinOptions{})
	callee2 := n.join(t, s, client.JoinOptions{})
	caller := n.join(t, s, client.JoinOptions{})

	if _, err := callee1.Register(ctx, "com.pre.", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{string(inv.Procedure())}}, nil
	}, &client.RegisterOptions{Match: wamp.MatchPrefix}); err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(ctx, "com.pre.x.y", nil, nil, nil)
	if err != nil || res.Args[0] != "com.pre.x.y" {
		t.Fatalf("prefix registration: %v, %v", res, err)
	}

	who := func(name string) client.Handler {
		return func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: wamp.List{name}}, nil
		}
	}
	for name, c := range map[string]*client.Session{"one": callee1, "two": callee2} {
		if _, err := c.Register(ctx, "com.shared", who(name), &client.RegisterOptions{Invoke: "roundrobin"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[any]int{}
	for range 4 {
		res, err := caller.Call(ctx, "com.shared", nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen[res.Args[0]]++
	}
	if seen["one"] != 2 || seen["two"] != 2 {
		t.Fatalf("roundrobin spread %v", seen)
	}
}
