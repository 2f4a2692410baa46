package wamp

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	stdjson "encoding/json"
	"encoding/pem"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// The payload wamp_py.py sends (payload_args): what the Go sessions must
// receive from it.
var (
	pyText  = "κόσμε 🚀 \u0000 \"quoted\""
	pyBytes = append([]byte{0, 1, 2, 255, 0x80}, "é"...)
)

func pyPayload(withUint64 bool) (wamp.List, wamp.Dict) {
	ints := wamp.List{int64(math.MaxInt64), int64(math.MinInt64), 0, -1, int64(1<<53 + 1)}
	if withUint64 {
		ints = append(ints, uint64(math.MaxUint64))
	}
	args := wamp.List{1, pyText, ints, wamp.Dict{"nested": wamp.List{nil, true, false, 1.5}}, pyBytes}
	kwargs := wamp.Dict{"ü": pyText, "n": int64(math.MaxInt64), "list": wamp.List{1, "x"}, "b": pyBytes}
	return args, kwargs
}

// canonical renders a decoded WAMP value as JSON with bytes as {"hex": …},
// so values from different serializers compare: integers keep every digit,
// a float stays a float, bytes are not a string.
func canonical(v any) string {
	var conv func(any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case []byte:
			return map[string]any{"hex": hex.EncodeToString(x)}
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = conv(e)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = conv(e)
			}
			return out
		}
		return v
	}
	b, err := stdjson.Marshal(conv(v))
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}

// goSide is the Go session a peer talks to: go.echo returns its arguments,
// go.topic events are collected; go.slow runs until interrupted (its
// INTERRUPT is counted in interrupted), and go.slow_started returns once
// go.slow runs.
type goSide struct {
	events      chan *wamp.Event
	started     chan struct{}
	interrupted chan struct{}
}

func startGoSide(t *testing.T, tr *testRouter) *goSide {
	t.Helper()
	g := &goSide{events: make(chan *wamp.Event, 16), started: make(chan struct{}), interrupted: make(chan struct{}, 1)}
	s := tr.joinGo(t)
	ctx := ctxT(t)
	if _, err := s.Register(ctx, "go.slow", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		close(g.started)
		<-ctx.Done()
		g.interrupted <- struct{}{}
		return nil, &client.Error{URI: wamp.ErrCanceled}
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "go.slow_started", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		select {
		case <-g.started:
			return &client.Result{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "go.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(ctx, "go.topic", func(e *wamp.Event) {
		select {
		case g.events <- e:
		default:
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	return g
}

// checkPyEvent checks the one go.topic event a core run published.
func (g *goSide) checkPyEvent(t *testing.T, withUint64 bool) {
	t.Helper()
	args, kwargs := pyPayload(withUint64)
	select {
	case e := <-g.events:
		if got, want := canonical([]any{e.Args, e.Kwargs}), canonical([]any{args, kwargs}); got != want {
			t.Errorf("go.topic event from the peer:\n got %s\nwant %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("the Go subscriber got no go.topic event")
	}
}

// coreCases are the checks of wamp_py.py's core mode.
var coreCases = []string{
	"rpc_echo", "rpc_go_echo", "rpc_single", "rpc_progressive", "rpc_cancel_caller", "rpc_cancel_callee",
	"rpc_error", "rpc_no_such_procedure", "rpc_disclose_me", "rpc_patterns", "rpc_wildcard",
	"rpc_shared_roundrobin", "rpc_shared_policy_mismatch",
	"pub_acknowledge", "pub_payload", "pub_exclude_me", "pub_eligible_exclude", "pub_disclose_me",
	"pub_prefix", "pub_wildcard", "pub_unsubscribe", "end",
}

// TestRouterPythonAsyncio runs Autobahn|Python's asyncio ApplicationRunner
// (two sessions) against our router over WebSocket with every serializer,
// plain and batched, on goroutines and (four of them) on the event loop:
// RPC with args, kwargs, bytes, non-ASCII and int64 extremes (to each
// other and to a Go callee), progressive results, cancel, errors with
// arguments, caller and publisher disclosure, pattern-based and shared
// (round robin) registrations, pattern-based subscriptions, exclude_me,
// eligible/exclude, acknowledge, unsubscribe; a Go subscriber checks what
// Python published.
func TestRouterPythonAsyncio(t *testing.T) {
	type tcase struct {
		transport, ser string
		batched        bool
	}
	var cases []tcase
	for _, ser := range []string{"json", "msgpack", "cbor", "ubjson"} {
		cases = append(cases, tcase{"ws", ser, false}, tcase{"ws", ser, true})
	}
	cases = append(cases, tcase{"loop", "json", false}, tcase{"loop", "msgpack", true}, tcase{"loop", "cbor", false}, tcase{"loop", "ubjson", true})
	for _, tc := range cases {
		name := tc.transport + "." + tc.ser
		if tc.batched {
			name += ".batched"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runPythonCore(t, "asyncio", tc.transport, tc.ser, tc.batched)
		})
	}
}

// TestRouterPythonTwisted runs the same checks with Autobahn|Python on
// Twisted over WebSocket (goroutines and event loop) and RawSocket
// (router.Attach).
func TestRouterPythonTwisted(t *testing.T) {
	for _, tc := range []struct{ transport, ser string }{
		{"ws", "json"}, {"ws", "cbor"}, {"loop", "msgpack"},
		{"rs", "json"}, {"rs", "msgpack"}, {"rs", "cbor"}, {"rs", "ubjson"},
	} {
		t.Run(tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			runPythonCore(t, "twisted", tc.transport, tc.ser, false)
		})
	}
}

func runPythonCore(t *testing.T, flavor, transport, ser string, batched bool) {
	tr := startRouter(t)
	g := startGoSide(t, tr)
	url := tr.url(transport)
	// Every serializer carries 2^64-1 (CBOR decodes integers beyond int64
	// as uint64, like MessagePack).
	withUint64 := true
	cfg := map[string]any{"flavor": flavor, "url": url, "realm": routerRealm, "serializer": ser,
		"batched": batched, "mode": "core", "uint64": withUint64}
	res := runPeer(t, pythonPeer(t, peerCtx(t, 60*time.Second), cfg))
	res.requireCases(t, coreCases...)
	g.checkPyEvent(t, withUint64)
}

// authCase is one join of a foreign client with the router's static
// principals: what it sends and what WELCOME (or ABORT) must say.
type authCase struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	AuthID string `json:"authid,omitempty"`
	Secret string `json:"secret,omitempty"`
	// Binding is the channel binding a cryptosign client asks for;
	// Unbound makes it sign without it all the same.
	Binding string `json:"channel_binding,omitempty"`
	Unbound bool   `json:"unbound_signature,omitempty"`

	wantAuthID, wantRole, wantAbort string
}

// authCases are the joins every foreign client makes; scram only where the
// client has it (Autobahn|Python).
func authCases(scram bool) []authCase {
	seed := hex.EncodeToString(rCSSeed)
	cs := []authCase{
		{Name: "anonymous", Method: "anonymous", wantRole: "anonymous"},
		{Name: "ticket", Method: "ticket", AuthID: rTicketUser, Secret: rTicket, wantAuthID: rTicketUser, wantRole: "ticketrole"},
		{Name: "ticket-wrong", Method: "ticket", AuthID: rTicketUser, Secret: "nope", wantAbort: "wamp.error.authentication_failed"},
		{Name: "wampcra", Method: "wampcra", AuthID: rCRAUser, Secret: rCRASecret, wantAuthID: rCRAUser, wantRole: "crarole"},
		{Name: "wampcra-salted", Method: "wampcra", AuthID: rSaltUser, Secret: rSaltSecret, wantAuthID: rSaltUser, wantRole: "saltrole"},
		{Name: "wampcra-wrong", Method: "wampcra", AuthID: rCRAUser, Secret: "nope", wantAbort: "wamp.error.authentication_failed"},
		{Name: "cryptosign", Method: "cryptosign", AuthID: rCSUser, Secret: seed, wantAuthID: rCSUser, wantRole: "csrole"},
		{Name: "cryptosign-by-key", Method: "cryptosign", Secret: seed, wantAuthID: rCSUser, wantRole: "csrole"},
		{Name: "cryptosign-stranger", Method: "cryptosign", AuthID: rCSUser, Secret: hex.EncodeToString(make([]byte, 32)), wantAbort: "wamp.error.authentication_failed"},
	}
	if scram {
		cs = append(cs,
			authCase{Name: "scram-pbkdf2", Method: "scram", AuthID: rScramPBKDF2, Secret: rScramPW, wantAuthID: rScramPBKDF2, wantRole: "scramrole"},
			authCase{Name: "scram-argon2id", Method: "scram", AuthID: rScramArgon, Secret: rScramPW, wantAuthID: rScramArgon, wantRole: "argonrole"},
			authCase{Name: "scram-wrong", Method: "scram", AuthID: rScramArgon, Secret: "nope", wantAbort: "wamp.error.authentication_failed"},
		)
	}
	return cs
}

// checkAuth compares what the peer printed for every case with what the
// router must have answered.
func checkAuth(t *testing.T, res *peerResult, cases []authCase, verifies bool) {
	t.Helper()
	for _, c := range cases {
		l, ok := res.lines["auth:"+c.Name]
		if !ok {
			t.Errorf("%s: no result (peer printed %v)\nstderr:\n%s", c.Name, res.order, res.stderr)
			continue
		}
		var got struct {
			AuthID     string `json:"authid"`
			AuthRole   string `json:"authrole"`
			AuthMethod string `json:"authmethod"`
			Abort      string `json:"abort"`
			Verified   *bool  `json:"welcome_verified"`
		}
		if err := stdjson.Unmarshal(l.Got, &got); err != nil {
			t.Errorf("%s: %s: %v", c.Name, l.Got, err)
			continue
		}
		switch {
		case c.wantAbort != "":
			if got.Abort != c.wantAbort {
				t.Errorf("%s: got %s, want ABORT %s", c.Name, l.Got, c.wantAbort)
			} else {
				t.Logf("%s: %s", c.Name, l.Got)
			}
		case got.Abort != "" || got.AuthRole != c.wantRole || got.AuthMethod != c.Method ||
			c.wantAuthID != "" && got.AuthID != c.wantAuthID:
			t.Errorf("%s: got %s, want authid %q authrole %q authmethod %q", c.Name, l.Got, c.wantAuthID, c.wantRole, c.Method)
		case verifies && c.Method == "scram" && (got.Verified == nil || !*got.Verified):
			t.Errorf("%s: the client did not verify the router's scram_server_signature: %s", c.Name, l.Got)
		default:
			t.Logf("%s: %s", c.Name, l.Got)
		}
	}
}

// TestRouterPythonAuth joins our router from Autobahn|Python (asyncio over
// WebSocket on goroutines and on the event loop, Twisted over RawSocket) with the router's static
// principals: anonymous, ticket, wampcra unsalted and salted, cryptosign
// (by authid and found by its key), scram with pbkdf2 and argon2id (the
// client checks the router's server signature), and wrong credentials of
// each kind, which must get ABORT wamp.error.authentication_failed.
func TestRouterPythonAuth(t *testing.T) {
	for _, tc := range []struct{ flavor, transport, ser string }{
		{"asyncio", "ws", "json"}, {"asyncio", "loop", "msgpack"}, {"twisted", "rs", "cbor"},
	} {
		t.Run(tc.flavor+"."+tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			url := tr.url(tc.transport)
			cases := authCases(true)
			res := runPeer(t, pythonPeer(t, peerCtx(t, 60*time.Second), map[string]any{
				"flavor": tc.flavor, "url": url, "realm": routerRealm, "serializer": tc.ser, "mode": "auth", "auths": cases}))
			checkAuth(t, res, cases, true)
		})
	}
}

// TestRouterPythonAdvanced runs the router's advanced features from
// Autobahn|Python (asyncio over WebSocket on goroutines and on the event
// loop, Twisted over RawSocket) in a realm with roles and an event history: call timeout (ERROR
// wamp.error.timeout, the callee interrupted), authorization (call,
// register, subscribe and publish denied with wamp.error.not_authorized;
// caller disclosure forced by a permission), event retention
// (get_retained), wamp.subscription.get_events, the session, registration
// and subscription meta procedures, and a testament published before
// wamp.session.on_leave when its session leaves.
func TestRouterPythonAdvanced(t *testing.T) {
	for _, tc := range []struct{ flavor, transport, ser string }{
		{"asyncio", "ws", "json"}, {"asyncio", "loop", "cbor"}, {"twisted", "rs", "msgpack"},
	} {
		t.Run(tc.flavor+"."+tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			url := tr.url(tc.transport)
			res := runPeer(t, pythonPeer(t, peerCtx(t, 60*time.Second), map[string]any{
				"flavor": tc.flavor, "url": url, "realm": advRealm, "serializer": tc.ser, "mode": "advanced"}))
			res.requireCases(t, "call_timeout", "call_timeout_interrupt",
				"authz_denied_call", "authz_denied_register", "authz_denied_subscribe", "authz_denied_publish",
				"authz_disclose_caller", "retained", "history_lookup", "history_get_events",
				"meta_session_count", "meta_session_list", "meta_session_get", "meta_registration_callees",
				"meta_subscription_lookup_none", "meta_session_get_unknown", "testament_then_on_leave", "end")
		})
	}
}

// TestRouterPythonAuthTLS joins our router over wss:// (TLS 1.2) from
// Autobahn|Python (asyncio) with cryptosign bound to the TLS channel
// (tls-unique: Autobahn signs the challenge XOR SHA-256 of the TLS
// Finished message, the router checks it against its own side; signed
// without the binding it asked for, the client is refused) and with
// scram and ticket over TLS. Autobahn 22.7.1's scram has no real channel
// binding (it puts the binding's name where the spec wants its data), so
// scram runs unbound here.
func TestRouterPythonAuthTLS(t *testing.T) {
	r, err := router.New(routerConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: allSerializers})
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		_ = r.ServeTransport(context.Background(), c)
	}))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Close(ctx)
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	cafile := filepath.Join(t.TempDir(), "router.pem")
	if err := os.WriteFile(cafile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := hex.EncodeToString(rCSSeed)
	cases := []authCase{
		{Name: "cryptosign-tls-unique", Method: "cryptosign", AuthID: rCSUser, Secret: seed, Binding: "tls-unique", wantAuthID: rCSUser, wantRole: "csrole"},
		{Name: "cryptosign-tls-unique-unbound", Method: "cryptosign", AuthID: rCSUser, Secret: seed, Binding: "tls-unique", Unbound: true, wantAbort: "wamp.error.authentication_failed"},
		{Name: "cryptosign-tls", Method: "cryptosign", AuthID: rCSUser, Secret: seed, wantAuthID: rCSUser, wantRole: "csrole"},
		{Name: "scram-argon2id-tls", Method: "scram", AuthID: rScramArgon, Secret: rScramPW, wantAuthID: rScramArgon, wantRole: "argonrole"},
		{Name: "ticket-tls", Method: "ticket", AuthID: rTicketUser, Secret: rTicket, wantAuthID: rTicketUser, wantRole: "ticketrole"},
	}
	url := "wss" + strings.TrimPrefix(srv.URL, "https") + "/ws"
	res := runPeer(t, pythonPeer(t, peerCtx(t, 60*time.Second), map[string]any{
		"flavor": "asyncio", "url": url, "cafile": cafile, "realm": routerRealm, "serializer": "cbor", "mode": "auth", "auths": cases}))
	checkAuth(t, res, cases, true)
}
