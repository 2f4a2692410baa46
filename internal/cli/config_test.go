package cli

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key
// into dir and returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "autobahn test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("server.crt", "CERTIFICATE", der)
	write("server.key", "EC PRIVATE KEY", kder)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// routerConfig is a configuration with realm1, role "user" allowed to call
// the procedures listed, and ticket principals (authid → ticket).
func routerConfig(calls []string, principals map[string]string, tls bool) string {
	var perms, ps []string
	for _, c := range calls {
		perms = append(perms, `{"uri": "`+c+`", "allow": {"call": true}}`)
	}
	for id, tk := range principals {
		ps = append(ps, `"`+id+`": {"ticket": "`+tk+`", "role": "user"}`)
	}
	auth := `{"ticket": {"type": "static", "principals": {` + strings.Join(ps, ", ") + `}}}`
	endpointTLS := ""
	if tls {
		endpointTLS = `, "tls": {"key": "server.key", "certificate": "server.crt"}`
	}
	return `{
  "version": 2,
  "controller": {},
  "workers": [{
    "type": "router",
    "realms": [{"name": "realm1", "roles": [{"name": "user", "permissions": [` + strings.Join(perms, ", ") + `]}]}],
    "transports": [
      {"type": "websocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "serializers": ["json", "cbor"], "auth": ` + auth + `},
      {"type": "web", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"` + endpointTLS + `},
       "paths": {"ws": {"type": "websocket", "auth": ` + auth + `}}},
      {"type": "rawsocket", "endpoint": {"type": "unix", "path": "router.sock"}, "serializers": ["cbor"], "auth": ` + auth + `}
    ]
  }]
}`
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir)
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(routerConfig([]string{"com.a"}, map[string]string{"alice": "A"}, true)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"serve", "--check-config", good}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{good + ": ok\n", "realm realm1: roles user (1 permissions); ticket 1 principals\n",
		"workers[0].transports[1]: websocket on tcp 127.0.0.1:0 (TLS) at /ws, serializers json, msgpack, cbor, ubjson\n",
		"workers[0].transports[2]: rawsocket on unix " + filepath.Join(dir, "router.sock") + ", serializers cbor\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary %q lacks %q", out.String(), want)
		}
	}

	for name, c := range map[string]struct{ file, want string }{
		"bad.json":  {strings.Replace(routerConfig(nil, nil, false), `"type": "rawsocket"`, `"type": "rawsocket", "debug": true`, 1), "workers[0].transports[2].debug: unknown or unsupported key"},
		"cert.json": {routerConfig(nil, nil, true), "workers[0].transports[1].endpoint.tls: open " + filepath.Join(dir, "cert", "server.crt")},
	} {
		sub := filepath.Join(dir, strings.TrimSuffix(name, ".json"))
		_ = os.Mkdir(sub, 0o700)
		path := filepath.Join(sub, name)
		if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), []string{"serve", "--check-config", path}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("%s: %v, want %s: …%s…", name, err, path, c.want)
		}
	}
}

// serve --config serves the file's transports (WebSocket, WebSocket over
// TLS at a web path, RawSocket on a Unix socket) with its principals and
// permissions; SIGHUP reloads them without dropping a session.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir)
	path := filepath.Join(dir, "router.json")
	if err := os.WriteFile(path, []byte(routerConfig([]string{"com.a"}, map[string]string{"alice": "A", "bob": "B"}, true)), 0o600); err != nil {
		t.Fatal(err)
	}
	readLine, stop := startServeConfig(t, path)
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer rcancel()
	var out strings.Builder
	for range 4 {
		out.WriteString(readLine())
	}
	m := regexp.MustCompile(`(?s)realms realm1\n.*websocket ws://(127\.0\.0\.1:\d+)/\n.*websocket wss://(127\.0\.0\.1:\d+)/ws\n.*rawsocket unix:(\S+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no addresses in %q", out.String())
	}
	join := func(authid, ticket string, dial func() (wamp.Transport, error)) (*client.Session, error) {
		tr, err := dial()
		if err != nil {
			t.Fatalf("%s: dial: %v", authid, err)
		}
		s, err := client.Join(rctx, tr, "realm1", client.JoinOptions{AuthID: authid, Authenticators: []client.Authenticator{&client.Ticket{Ticket: ticket}}})
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	plain := func() (wamp.Transport, error) {
		return websocket.Dial(rctx, "ws://"+m[1]+"/", websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
	}
	secure := func() (wamp.Transport, error) {
		return websocket.Dial(rctx, "wss://"+m[2]+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}},
			WS: &ws.Options{TLSConfig: &tls.Config{RootCAs: pool}}})
	}
	unix := func() (wamp.Transport, error) {
		return rawsocket.Dial(rctx, "unix", m[3], rawsocket.Options{Serializer: cbor.Serializer{}})
	}
	alice, err := join("alice", "A", plain)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := join("bob", "B", unix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := join("carol", "C", secure); !isAbort(err, wamp.ErrAuthenticationFailed) {
		t.Fatalf("carol before the reload: %v", err)
	}
	call := func(s *client.Session, proc wamp.URI) error {
		_, err := s.Call(rctx, proc, nil, nil, nil)
		return err
	}
	if err := call(alice, "com.b"); !isCallError(err, wamp.ErrNotAuthorized) {
		t.Fatalf("com.b before the reload: %v", err)
	}
	if err := call(alice, "com.a"); !isCallError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("com.a before the reload: %v", err)
	}

	// The file changes: com.b is allowed, bob removed, carol added.
	if err := os.WriteFile(path, []byte(routerConfig([]string{"com.a", "com.b"}, map[string]string{"alice": "A", "carol": "C"}, true)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := readLine(); !strings.Contains(l, "reloaded principals, permissions and max_sessions from "+path) || strings.Contains(l, "restart") {
		t.Fatalf("after SIGHUP: %q", l)
	}
	if err := call(alice, "com.b"); !isCallError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("com.b after the reload: %v", err)
	}
	if err := call(bob, "com.b"); !isCallError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("bob's session, joined before the reload: %v", err)
	}
	if _, err := join("bob", "B", unix); !isAbort(err, wamp.ErrAuthenticationFailed) {
		t.Fatalf("bob after the reload: %v", err)
	}
	carol, err := join("carol", "C", secure)
	if err != nil {
		t.Fatal(err)
	}
	if err := call(carol, "com.b"); !isCallError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("carol: %v", err)
	}

	// A broken file changes nothing.
	if err := os.WriteFile(path, []byte(`{"version": 2, "workers": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := readLine(); !strings.Contains(l, "reload failed, nothing changed: "+path+": line 1") {
		t.Fatalf("after SIGHUP with a broken file: %q", l)
	}
	if err := call(alice, "com.b"); !isCallError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("com.b after a failed reload: %v", err)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*client.Session{alice, bob, carol} {
		select {
		case <-s.Done():
		case <-rctx.Done():
			t.Fatal("a session outlived the command")
		}
	}
	if _, err := os.Stat(m[3]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the Unix socket file is left: %v", err)
	}
}

func TestServeConfigRefused(t *testing.T) {
	err := run(context.Background(), []string{"serve", "--config", filepath.Join(t.TempDir(), "none.json")}, io.Discard, io.Discard)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	// A port in use: the transport's path names it; nothing stays open.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	path := filepath.Join(t.TempDir(), "busy.json")
	cfg := `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "rawsocket", "endpoint": {"type": "unix", "path": "r.sock"}},
		{"type": "websocket", "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": ` + port + `}}]}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve", "--config", path}, io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "workers[0].transports[1]: listen tcp 127.0.0.1:"+port) {
		t.Fatalf("busy port: %v", err)
	}
}

func TestServeConfigFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--config", "a.json", "--addr", "127.0.0.1:0"},
		{"serve", "--check-config", "a.json", "--rawsocket-addr", "127.0.0.1:0"},
		{"serve", "--check-config", "a.json", "--config", "a.json"},
	} {
		var ue usageError
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func isAbort(err error, reason wamp.URI) bool {
	var ae *client.AbortError
	return errors.As(err, &ae) && ae.Reason == reason
}

func isCallError(err error, uri wamp.URI) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.URI == uri
}

// startServeConfig runs `serve --config path` until the test ends; readLine
// returns its next line of output (the test fails after 15 s without
// one, or when serve ended), stop ends serve and returns what it
// returned.
func startServeConfig(t *testing.T, path string) (readLine func() string, stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--config", path}, pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		br := bufio.NewReader(pr)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			lines <- line
		}
	}()
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-errc; rcancel() })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	readLine = func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended: %v", stop())
			}
			return l
		case <-rctx.Done():
			t.Fatal("no output")
			return ""
		}
	}
	return readLine, stop
}
