package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// join starts a fake router and joins it.
func join(t *testing.T, r *fakeRouter, opts client.JoinOptions) (*client.Session, error) {
	a, b := memPair()
	r.t = b
	done := make(chan struct{})
	go func() { defer close(done); r.serve() }()
	t.Cleanup(func() { a.Close(); <-done })
	return client.Join(ctxT(t), a, "realm1", opts)
}

func mustJoin(t *testing.T, r *fakeRouter, opts client.JoinOptions) *client.Session {
	t.Helper()
	s, err := join(t, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestJoinAuth(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	_ = pub
	tests := []struct {
		name    string
		router  *fakeRouter
		auth    client.Authenticator
		wantErr bool
	}{
		{"anonymous", &fakeRouter{}, nil, false},
		{"ticket", &fakeRouter{ticket: "t0ps3cret"}, &client.Ticket{Ticket: "t0ps3cret"}, false},
		{"ticket wrong", &fakeRouter{ticket: "t0ps3cret"}, &client.Ticket{Ticket: "nope"}, true},
		{"wampcra", &fakeRouter{craSecret: "s3cret"}, &client.CRA{Secret: "s3cret"}, false},
		{"wampcra wrong", &fakeRouter{craSecret: "s3cret"}, &client.CRA{Secret: "other"}, true},
		{"cryptosign", &fakeRouter{}, &client.Cryptosign{PrivateKey: priv}, false},
		{"scram", &fakeRouter{scramPass: "pw"}, &client.SCRAM{AuthID: "joe", Password: "pw"}, false},
		{"scram wrong", &fakeRouter{scramPass: "pw"}, &client.SCRAM{AuthID: "joe", Password: "nope"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts client.JoinOptions
			if tt.auth != nil {
				opts.Authenticators = []client.Authenticator{tt.auth}
				opts.AuthID = "joe"
			}
			s, err := join(t, tt.router, opts)
			if tt.wantErr {
				var ae *client.AbortError
				if !errors.As(err, &ae) || ae.Reason != wamp.ErrAuthenticationFailed {
					t.Fatalf("err %v, want AbortError authentication_failed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.ID() != 42 || s.Realm() != "realm1" {
				t.Fatalf("session %d %s", s.ID(), s.Realm())
			}
			roles := tt.router.lastHello.Details["roles"].(map[string]any)
			if _, ok := roles["callee"]; !ok {
				t.Fatalf("HELLO roles %v", roles)
			}
		})
	}
}

func TestSCRAMBadServerSignature(t *testing.T) {
	_, err := join(t, &fakeRouter{scramPass: "pw", badServer: true}, client.JoinOptions{AuthID: "joe",
		Authenticators: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}}})
	if err == nil || !strings.Contains(err.Error(), "server signature") {
		t.Fatalf("err %v", err)
	}
}

func TestCRASaltedKey(t *testing.T) {
	// Expected values from Python: hashlib.pbkdf2_hmac, base64, hmac.
	key, err := client.DeriveCRAKey("secret123", "salt123", 100, 16)
	if err != nil || string(key) != "DpHHRlQ6UNULJlP9J8WkPw==" {
		t.Fatalf("DeriveCRAKey = %s, %v", key, err)
	}
	if sig := client.SignCRA(key, `{"x":1}`); sig != "lRmy3MOI3QvYfjbtuHmFyzty99vdZZ36pGjpQPw1Na4=" {
		t.Fatalf("SignCRA = %s", sig)
	}
	a := &client.CRA{Secret: "secret123"}
	sig, _, err := a.Authenticate(context.Background(), &wamp.Challenge{AuthMethod: "wampcra", Extra: wamp.Dict{
		"challenge": `{"x":1}`, "salt": "salt123", "iterations": int64(100), "keylen": int64(16)}})
	if err != nil || sig != "lRmy3MOI3QvYfjbtuHmFyzty99vdZZ36pGjpQPw1Na4=" {
		t.Fatalf("salted Authenticate = %s, %v", sig, err)
	}
}

// TestSCRAMKDF checks the key derivation against Autobahn|Python's own test
// vectors (autobahn/wamp/test/test_wamp_auth.py: test_argon2id_static,
// test_pbkdf2_static).
func TestSCRAMKDF(t *testing.T) {
	got, err := client.SCRAMSaltedPassword("argon2id-13", "p4ssw0rd", base64.StdEncoding.EncodeToString([]byte("1234567890abcdef")), 32, 512)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawStdEncoding.DecodeString(string(got))
	if hex.EncodeToString(raw) != "ee4a8acf9d5958354fb79a95ae20692d05e42591ba49fae85eb6700e8b0ed293" {
		t.Fatalf("argon2id-13: %x", raw)
	}
	got, err = client.SCRAMSaltedPassword("pbkdf2", "p4ssw0rd", "1234567890abcdef", 8, 0)
	if err != nil || hex.EncodeToString(got) != "f6991a28c75f43751e0d75499fd7b8649f659118ddc1d61cee5883af547d15f5" {
		t.Fatalf("pbkdf2: %x, %v", got, err)
	}
}

func TestSCRAMPBKDF2(t *testing.T) {
	a := &client.SCRAM{AuthID: "joe", Password: "pw"}
	extra, _ := a.HelloExtra(nil)
	nonce := extra["nonce"].(string) + "SERVER"
	for _, kdf := range []wamp.Dict{
		{"kdf": "pbkdf2", "iterations": int64(1000)},
		{"kdf": "argon2id-13", "iterations": int64(1), "memory": int64(512)},
	} {
		ch := &wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{"nonce": nonce, "salt": "c2FsdA==", "kdf": kdf["kdf"], "iterations": kdf["iterations"], "memory": kdf["memory"]}}
		proof, _, err := a.Authenticate(context.Background(), ch)
		if err != nil || len(proof) != 44 {
			t.Fatalf("%v: proof %q, %v", kdf["kdf"], proof, err)
		}
		if err := a.VerifyWelcome(wamp.Dict{"authextra": wamp.Dict{"scram_server_signature": "bad"}}); err == nil {
			t.Fatal("bad server signature verified")
		}
	}
	if _, _, err := a.Authenticate(context.Background(), &wamp.Challenge{Extra: wamp.Dict{"nonce": "other", "salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(1)}}); err == nil {
		t.Fatal("accepted a nonce that does not extend ours")
	}
}

func TestCallRegister(t *testing.T) {
	r := &fakeRouter{}
	s := mustJoin(t, r, client.JoinOptions{})
	ctx := ctxT(t)
	reg, err := s.Register(ctx, "com.add", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		var a, b int64
		if err := client.DecodeArgs(inv.Args, &a, &b); err != nil {
			return nil, &client.Error{URI: wamp.ErrInvalidArgument}
		}
		if c, ok := inv.Caller(); !ok || c != 42 {
			return nil, errors.New("no caller")
		}
		return &client.Result{Args: wamp.List{a + b}}, nil
	}, &client.RegisterOptions{DiscloseCaller: true, Invoke: "roundrobin"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Call(ctx, "com.add", wamp.List{2, 3}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := client.DecodeArgs(res.Args, &sum); err != nil || sum != 5 {
		t.Fatalf("sum %d, %v", sum, err)
	}
	_, err = s.Call(ctx, "com.add", wamp.List{"x"}, nil, nil)
	if !errors.Is(err, &client.Error{URI: wamp.ErrInvalidArgument}) {
		t.Fatalf("bad args: %v", err)
	}
	if err := s.Unregister(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(ctx, "com.add", wamp.List{1, 2}, nil, nil); !errors.Is(err, &client.Error{URI: wamp.ErrNoSuchProcedure}) {
		t.Fatalf("after unregister: %v", err)
	}
}

func TestProgressiveResults(t *testing.T) {
	s := mustJoin(t, &fakeRouter{}, client.JoinOptions{})
	ctx := ctxT(t)
	_, err := s.Register(ctx, "com.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		for i := range 3 {
			if err := inv.SendProgress(ctx, wamp.List{i}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"done"}}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	res, err := s.Call(ctx, "com.count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
		n, _ := wamp.AsInt64(r.Args[0])
		got = append(got, n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2]" || res.Args[0] != "done" {
		t.Fatalf("progress %v, result %v", got, res.Args)
	}
}

func TestCancelInterrupts(t *testing.T) {
	r := &fakeRouter{}
	s := mustJoin(t, r, client.JoinOptions{})
	ctx := ctxT(t)
	started, interrupted := make(chan struct{}), make(chan struct{})
	_, err := s.Register(ctx, "com.slow", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		close(started)
		<-ctx.Done()
		close(interrupted)
		return nil, ctx.Err()
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The caller's ctx ends while the callee runs the call. (A short
	// timeout could end before the CALL was sent on a slow machine: then
	// there is nothing to cancel.)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-started:
			cancel()
		case <-cctx.Done():
		}
	}()
	if _, err := s.Call(cctx, "com.slow", nil, nil, &client.CallOptions{CancelMode: client.CancelKill}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call: %v", err)
	}
	select {
	case <-interrupted:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not interrupted")
	}
	// The callee answers the INTERRUPT with ERROR wamp.error.canceled.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range r.seen() {
			if e, ok := m.(*wamp.Error); ok && e.Error == wamp.ErrCanceled && e.RequestType == wamp.TypeInvocation {
				var sawCancel bool
				for _, m := range r.seen() {
					if c, ok := m.(*wamp.Cancel); ok && c.Options["mode"] == "kill" {
						sawCancel = true
					}
				}
				if !sawCancel {
					t.Fatal("no CANCEL with mode kill")
				}
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no ERROR canceled from the callee")
}

func TestPubSub(t *testing.T) {
	s := mustJoin(t, &fakeRouter{}, client.JoinOptions{})
	ctx := ctxT(t)
	events := make(chan *wamp.Event, 4)
	sub, err := s.Subscribe(ctx, "com.topic", func(e *wamp.Event) { events <- e }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, "com.topic", wamp.List{[]byte{1, 2}}, wamp.Dict{"k": "v"}, &client.PublishOptions{Acknowledge: true, IncludeMe: true, Exclude: []wamp.ID{7}, EligibleAuthRole: []string{"user"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if b, _ := e.Args[0].([]byte); len(b) != 2 || e.Kwargs["k"] != "v" {
			t.Fatalf("event %v %v", e.Args, e.Kwargs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	if err := s.Unsubscribe(ctx, sub); err != nil {
		t.Fatal(err)
	}
}

func TestLeave(t *testing.T) {
	s := mustJoin(t, &fakeRouter{}, client.JoinOptions{})
	if err := s.Leave(ctxT(t), ""); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if !errors.Is(s.Err(), client.ErrSessionClosed) {
		t.Fatalf("Err %v", s.Err())
	}
	if _, err := s.Call(ctxT(t), "x.y", nil, nil, nil); !errors.Is(err, client.ErrSessionClosed) {
		t.Fatalf("Call after Leave: %v", err)
	}
}

func TestDecodeArgs(t *testing.T) {
	var (
		s  string
		n  int
		f  float64
		b  []byte
		id wamp.ID
		d  wamp.Dict
		l  []string
	)
	err := client.DecodeArgs(wamp.List{"a", int64(3), int64(2), []byte{1}, uint64(9), map[string]any{"x": 1}, []any{"p"}}, &s, &n, &f, &b, &id, &d, &l)
	if err != nil || s != "a" || n != 3 || f != 2 || len(b) != 1 || id != 9 || d["x"] != 1 || l[0] != "p" {
		t.Fatalf("%v: %v %v %v %v %v %v %v", err, s, n, f, b, id, d, l)
	}
	if err := client.DecodeArgs(wamp.List{"a"}, &n); err == nil {
		t.Fatal("string into int")
	}
	if err := client.DecodeArgs(wamp.List{}, &n); err == nil {
		t.Fatal("missing arg")
	}
	if v, ok := client.Kwarg[string](wamp.Dict{"k": "v"}, "k"); !ok || v != "v" {
		t.Fatal("Kwarg")
	}
}

func TestRetryDelay(t *testing.T) {
	p := client.RetryPolicy{InitialDelay: time.Second, MaxDelay: 10 * time.Second, Growth: 2, Jitter: 0.5}
	mid := func() float64 { return 0.5 }
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		if got := p.Delay(i, mid); got != want {
			t.Errorf("Delay(%d) = %v, want %v", i, got, want)
		}
	}
	if got := p.Delay(0, func() float64 { return 0 }); got != 500*time.Millisecond {
		t.Errorf("jitter low: %v", got)
	}
}

func TestComponentReconnects(t *testing.T) {
	var joins atomic.Int32
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	var routers []chan struct{}
	c := &client.Component{
		Realm: "realm1",
		Retry: client.RetryPolicy{InitialDelay: time.Millisecond, MaxRetries: 3},
		Connect: func(ctx context.Context) (wamp.Transport, error) {
			a, b := memPair()
			done := make(chan struct{})
			routers = append(routers, done)
			go func() { defer close(done); (&fakeRouter{t: b}).serve() }()
			return a, nil
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			if joins.Add(1) == 1 {
				s.Close() // lose the first session
				return nil
			}
			cancel()
			return nil
		},
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
}

func TestComponentRetriesExhausted(t *testing.T) {
	calls := 0
	c := &client.Component{
		Retry: client.RetryPolicy{InitialDelay: time.Millisecond, MaxRetries: 2},
		Connect: func(ctx context.Context) (wamp.Transport, error) {
			calls++
			return nil, errors.New("refused")
		},
	}
	if err := c.Run(ctxT(t)); !errors.Is(err, client.ErrRetriesExhausted) || calls != 3 {
		t.Fatalf("Run: %v after %d attempts", err, calls)
	}
}

// tlsTransport pretends to be a TLS 1.2 transport with a tls-unique value.
type tlsTransport struct {
	wamp.Transport
	unique []byte
}

func (t tlsTransport) ConnectionState() (tls.ConnectionState, bool) {
	return tls.ConnectionState{TLSUnique: t.unique}, t.unique != nil
}

func TestCryptosignChannelBinding(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	a := &client.Cryptosign{PrivateKey: priv, ChannelBinding: "tls-unique"}
	unique := []byte("tls-unique-finished")
	extra, err := a.HelloExtra(tlsTransport{unique: unique})
	if err != nil || extra["channel_binding"] != "tls-unique" || extra["pubkey"] != hex.EncodeToString(pub) {
		t.Fatalf("HelloExtra %v, %v", extra, err)
	}
	challenge := make([]byte, 32)
	challenge[0] = 0xAA
	sigHex, _, err := a.Authenticate(context.Background(), &wamp.Challenge{AuthMethod: "cryptosign", Extra: wamp.Dict{"challenge": hex.EncodeToString(challenge)}})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := hex.DecodeString(sigHex)
	cid := sha256.Sum256(unique)
	want := make([]byte, 32)
	subtle.XORBytes(want, challenge, cid[:])
	if len(sig) != 96 || !bytes.Equal(sig[64:], want) || !ed25519.Verify(pub, want, sig[:64]) {
		t.Fatal("signature does not cover challenge XOR SHA-256(tls-unique)")
	}
	if _, err := (&client.Cryptosign{PrivateKey: priv, ChannelBinding: "tls-unique"}).HelloExtra(tlsTransport{}); err == nil {
		t.Fatal("channel binding without tls-unique accepted")
	}
}

// eventFlood joins over a bare in-memory router that welcomes, confirms one
// subscription, and answers every CALL after sending flood events to
// subscription 7; the test may push events too.
func eventFlood(t *testing.T, opts client.JoinOptions, flood int) (*client.Session, *memTransport) {
	a, b := memPair()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := b.Recv(context.Background())
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wamp.Hello:
				b.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": routerRoles}})
			case *wamp.Subscribe:
				b.Send(context.Background(), &wamp.Subscribed{Request: m.Request, Subscription: 7})
			case *wamp.Call:
				for i := range flood {
					b.Send(context.Background(), &wamp.Event{Subscription: 7, Publication: wamp.ID(i + 2), Details: wamp.Dict{}})
				}
				b.Send(context.Background(), &wamp.Result{Request: m.Request, Details: wamp.Dict{}, Args: wamp.List{"ok"}})
			}
		}
	}()
	t.Cleanup(func() { b.Close(); <-done })
	s, err := client.Join(ctxT(t), a, "realm1", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, b
}

// TestEventHandlerCalls: an event handler waits for a Call, and the router
// sends more events than the old fixed queue (256) held before the RESULT.
// When the reader blocked on a full queue, the RESULT was never read: a
// deadlock.
func TestEventHandlerCalls(t *testing.T) {
	const n = 600
	s, router := eventFlood(t, client.JoinOptions{}, n-1)
	ctx := ctxT(t)
	var handled atomic.Int64
	all := make(chan struct{})
	if _, err := s.Subscribe(ctx, "com.flood", func(e *wamp.Event) {
		if e.Publication == 1 {
			if _, err := s.Call(ctx, "com.slow", nil, nil, nil); err != nil {
				t.Error(err)
			}
		}
		if handled.Add(1) == n {
			close(all)
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	router.Send(ctx, &wamp.Event{Subscription: 7, Publication: 1, Details: wamp.Dict{}})
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatalf("deadlock: %d of %d events handled", handled.Load(), n)
	}
}

func TestEventQueueFull(t *testing.T) {
	s, router := eventFlood(t, client.JoinOptions{EventQueue: 4}, 0)
	ctx := ctxT(t)
	block := make(chan struct{})
	defer close(block)
	if _, err := s.Subscribe(ctx, "com.flood", func(*wamp.Event) { <-block }, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 10 { // one in the handler, four waiting, then too many
		router.Send(ctx, &wamp.Event{Subscription: 7, Publication: wamp.ID(i + 1), Details: wamp.Dict{}})
	}
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("session still open")
	}
	if !errors.Is(s.Err(), client.ErrEventQueueFull) {
		t.Fatalf("Err: %v", s.Err())
	}
	if _, err := s.Call(ctx, "com.x", nil, nil, nil); !errors.Is(err, client.ErrSessionClosed) || !errors.Is(err, client.ErrEventQueueFull) {
		t.Fatalf("Call after: %v", err)
	}
}
