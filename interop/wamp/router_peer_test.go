package wamp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// The router under test: our wamp/router, served in-process on 127.0.0.1:0
// over WebSocket (every serializer, batched too) and RawSocket, with the
// static principals the foreign clients authenticate as.

const routerRealm = "realm1"

// advRealm has authorization, event history and the rest of the advanced
// features (wamp_py.py's advanced mode).
const advRealm = "adv"

// Principals of the router's realm; the peers get the secrets in their
// configuration.
const (
	rTicketUser  = "tuser"
	rTicket      = "t1cket κ"
	rCRAUser     = "cuser"
	rCRASecret   = "cr4secret"
	rSaltUser    = "suser"
	rSaltSecret  = "s4ltsecret"
	rSalt        = "salt123"
	rSaltIter    = 100
	rSaltKeyLen  = 32
	rCSUser      = "csuser"
	rScramPBKDF2 = "spbkdf2"
	rScramArgon  = "sargon"
	rScramPW     = "scr4m pässword"
)

// rCSSeed is the cryptosign user's Ed25519 private key seed (hex for the
// peers).
var rCSSeed = bytes.Repeat([]byte{0x42}, ed25519.SeedSize)

type testRouter struct {
	r       *router.Router
	wsURL   string // ws://127.0.0.1:port/ws, on goroutines
	loopURL string // ws://127.0.0.1:port/ws, on ws/wsloop's event loop (Router.LoopHandler)
	rsAddr  string // RawSocket host:port
}

var allSerializers = append(append([]wamp.Serializer(nil), serializers...), ubjson.Serializer{})

func routerConfig(t *testing.T) router.Config {
	saltedKey, err := auth.DeriveCRAKey(rSaltSecret, rSalt, rSaltIter, rSaltKeyLen)
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(rCSSeed).Public().(ed25519.PublicKey)
	all := router.Allow{Call: true, Register: true, Publish: true, Subscribe: true}
	return router.Config{Realms: []router.RealmConfig{{
		Name:           routerRealm,
		AllowAnonymous: true,
		Tickets:        map[string]router.TicketPrincipal{rTicketUser: {Ticket: rTicket, Role: "ticketrole"}},
		CRA: map[string]router.CRAPrincipal{
			rCRAUser:  {Secret: rCRASecret, Role: "crarole"},
			rSaltUser: {Secret: string(saltedKey), Salt: rSalt, Iterations: rSaltIter, KeyLen: rSaltKeyLen, Role: "saltrole"},
		},
		Cryptosign: map[string]router.CryptosignPrincipal{rCSUser: {AuthorizedKeys: []string{hex.EncodeToString(pub)}, Role: "csrole"}},
		SCRAM: map[string]router.SCRAMPrincipal{
			rScramPBKDF2: {KDF: auth.KDFPBKDF2, Iterations: 1000, Salt: "73616c7473616c74", Password: rScramPW, Role: "scramrole"},
			rScramArgon:  {KDF: auth.KDFArgon2id13, Iterations: 2, Memory: 1024, Salt: "0102030405060708090a0b0c0d0e0f10", Password: rScramPW, Role: "argonrole"},
		},
	}, {
		Name:           advRealm,
		AllowAnonymous: true,
		EventHistory:   []router.EventHistoryConfig{{URI: "adv.hist", Limit: 10}},
		Roles: []router.RoleConfig{{Name: "anonymous", Permissions: []router.Permission{
			{URI: "", Match: wamp.MatchPrefix, Allow: all},
			{URI: "adv.denied", Match: wamp.MatchPrefix},
			{URI: "adv.forced", Match: wamp.MatchPrefix, Allow: all, Disclose: router.Disclose{Caller: true, Publisher: true}},
		}}},
	}}}
}

// startRouter starts a router with routerConfig on WebSocket (on
// goroutines and on an event loop) and RawSocket; the test's cleanup
// closes it.
func startRouter(t *testing.T) *testRouter {
	t.Helper()
	r, err := router.New(routerConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	tr := &testRouter{r: r}
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: allSerializers, Batched: true})
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		_ = r.ServeTransport(context.Background(), c)
	}))
	tr.wsURL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr.rsAddr = ln.Addr().String()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: allSerializers})
			if err != nil {
				nc.Close()
				continue
			}
			_ = r.Attach(c)
		}
	}()
	lopts := websocket.Options{Serializers: allSerializers, Batched: true, WS: &ws.Options{}}
	loopSrv := &wsloop.Server{Handler: r.LoopHandler(lopts), Options: lopts.WS, Config: eventloop.Config{Loops: 1}}
	laddr, err := loopSrv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr.loopURL = "ws://" + laddr.String() + "/ws"
	loopRan := make(chan error, 1)
	go func() { loopRan <- loopSrv.Run() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := errors.Join(loopSrv.Shutdown(ctx), <-loopRan); err != nil {
			t.Errorf("wsloop.Server: %v", err)
		}
		ln.Close()
		_ = r.Close(ctx)
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return tr
}

// url returns where a Python peer reaches the router over transport: "ws"
// (WebSocket on goroutines), "loop" (WebSocket on the event loop) or "rs"
// (RawSocket, rs://host:port).
func (tr *testRouter) url(transport string) string {
	switch transport {
	case "loop":
		return tr.loopURL
	case "rs":
		return "rs://" + tr.rsAddr
	}
	return tr.wsURL
}

// joinGo joins the router in-process with our client.
func (tr *testRouter) joinGo(t *testing.T) *client.Session {
	t.Helper()
	s, err := client.Join(ctxT(t), tr.r.Connect(), routerRealm, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// peerLine is one line a peer prints.
type peerLine struct {
	Case string             `json:"case"`
	OK   bool               `json:"ok"`
	Got  stdjson.RawMessage `json:"got"`
	Want stdjson.RawMessage `json:"want"`
}

// peerResult is what a peer printed, by case, and its stderr.
type peerResult struct {
	lines  map[string]peerLine
	order  []string
	stderr string
}

// requireCases fails unless every case in want was printed with ok, and no
// other case failed.
func (p *peerResult) requireCases(t *testing.T, want ...string) {
	t.Helper()
	var missing []string
	for _, c := range want {
		l, ok := p.lines[c]
		switch {
		case !ok:
			missing = append(missing, c)
		case !l.OK:
			t.Errorf("case %s: got %s, want %s", c, l.Got, l.Want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("cases %v not reported by the peer (reported: %v)", missing, p.order)
	}
	for _, c := range p.order {
		if l := p.lines[c]; !l.OK {
			found := false
			for _, w := range want {
				found = found || w == c
			}
			if !found {
				t.Errorf("peer: %s: %s (want %s)", c, l.Got, l.Want)
			}
		}
	}
	if t.Failed() {
		t.Logf("peer stderr:\n%s", p.stderr)
		return
	}
	t.Logf("%d checks passed", len(want))
}

// runPeer runs cmd (a peer that prints JSON lines) to its end within
// timeout; it fails the test with the peer's stderr when the peer fails or
// prints no "end" line.
func runPeer(t *testing.T, cmd *exec.Cmd) *peerResult {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	res := &peerResult{lines: map[string]peerLine{}, stderr: stderr.String()}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l peerLine
		if stdjson.Unmarshal(sc.Bytes(), &l) != nil || l.Case == "" {
			continue
		}
		if _, dup := res.lines[l.Case]; !dup {
			res.order = append(res.order, l.Case)
		}
		res.lines[l.Case] = l
	}
	if err != nil {
		t.Fatalf("peer %v: %v\nstdout:\n%s\nstderr:\n%s", cmd.Args[1:], err, out, res.stderr)
	}
	if _, ok := res.lines["end"]; !ok {
		t.Fatalf("peer %v did not finish\nstdout:\n%s\nstderr:\n%s", cmd.Args[1:], out, res.stderr)
	}
	return res
}

// peerCtx bounds one peer process.
func peerCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// skipOrFail skips a test whose peer is missing (fails with
// INTEROP_REQUIRE=1).
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("INTEROP_REQUIRE") == "1" {
		t.Fatalf("%s: run scripts/interop.sh", msg)
	}
	t.Skipf("%s; scripts/interop.sh installs it", msg)
}

// python is Debian's, the one that sees python3-autobahn.
const python = "/usr/bin/python3"

// pythonOK checks once that python has what wamp_py.py imports.
var pythonOK = sync.OnceValue(func() error {
	return exec.Command(python, "-c", "import autobahn.twisted.wamp, twisted, cbor2, msgpack, ubjson, nacl, argon2, passlib").Run()
})

// pythonPeer returns the command running peers/wamp_py.py with cfg, or
// skips when /usr/bin/python3 lacks Autobahn and its serializers.
func pythonPeer(t *testing.T, ctx context.Context, cfg map[string]any) *exec.Cmd {
	t.Helper()
	if err := pythonOK(); err != nil {
		skipOrFail(t, "%s lacks autobahn, twisted, cbor2, msgpack, ubjson, nacl, argon2 or passlib (%v)", python, err)
	}
	b, err := stdjson.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return exec.CommandContext(ctx, python, filepath.Join("..", "peers", "wamp_py.py"), string(b))
}
