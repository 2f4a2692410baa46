package interop

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// selfSigned makes a certificate for 127.0.0.1 and localhost and writes
// it as PEM (the CA file the peers trust, and the certificate of a peer
// server) into a temporary directory, with its key (key.pem).
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "interop"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

// ourLoopTLSServer runs our echo server on the event loop over wss://
// and returns its URL and the CA file that trusts it. A page from another origin on 127.0.0.1 may connect.
func ourLoopTLSServer(t *testing.T, rec *recorder) (string, string) {
	t.Helper()
	cert, ca := selfSigned(t)
	opts := &ws.Options{MaxMessagePayload: 4 << 20, AllowedOrigins: []string{"127.0.0.1:*"}}
	srv := &wsloop.Server{Handler: rec, Options: opts,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-ran
	})
	return "wss://" + addr.String() + "/echo", ca
}

// runTLSClient runs a peer client against our loop server over wss://;
// it must exit 0 and our server must see a clean close.
func runTLSClient(t *testing.T, mk func(ctx context.Context, url, ca string) *exec.Cmd, wantClose string) {
	rec := newRecorder()
	url, ca := ourLoopTLSServer(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := mk(ctx, url, ca).CombinedOutput()
	if err != nil {
		t.Fatalf("peer client: %v\n%s", err, out)
	}
	if got := rec.last(t); got != wantClose {
		t.Fatalf("server saw %q, want %q", got, wantClose)
	}
}

func TestNodeClientOurLoopServerTLS(t *testing.T) {
	runTLSClient(t, func(ctx context.Context, url, ca string) *exec.Cmd {
		cmd := nodeCmd(t, ctx, "node_client.js", url)
		cmd.Env = append(cmd.Env, "NODE_EXTRA_CA_CERTS="+ca)
		return cmd
	}, "NormalClosure(1000) node done")
}

func TestPythonClientOurLoopServerTLS(t *testing.T) {
	runTLSClient(t, func(ctx context.Context, url, ca string) *exec.Cmd {
		return pythonCmd(t, ctx, "py_client.py", url, ca)
	}, "NormalClosure(1000) python done")
}

// tlsPage echoes a text and a binary message through the browser's
// WebSocket over wss:// and writes PASS into the DOM. The script from
// /wait loads until the server saw the close: it holds the page's load
// (and headless Chromium's DOM dump) in real time, not virtual time.
const tlsPage = `<!doctype html><html><body><span id="result">running</span><script>
const out = document.getElementById("result");
const ws = new WebSocket(%q);
ws.binaryType = "arraybuffer";
const want = ["hello κόσμε", new Uint8Array([0, 1, 2, 255]), "x".repeat(100000)];
let i = 0;
ws.onopen = () => ws.send(want[0]);
ws.onmessage = (e) => {
  const w = want[i];
  const ok = typeof w === "string" ? e.data === w : new Uint8Array(e.data).join() === w.join();
  if (!ok) { out.textContent = "FAIL at " + i; ws.close(); return; }
  if (++i < want.length) { ws.send(want[i]); return; }
  ws.close(1000, "chromium done");
};
ws.onclose = (e) => { if (i === want.length && e.code === 1000) out.textContent = "PASS"; };
ws.onerror = () => { out.textContent = "ERROR"; };
</script><script src="/wait"></script></body></html>`

// TestChromiumOurLoopServerTLS: headless Chromium's WebSocket over wss://
// to the loop server (the certificate is self-signed, so Chromium runs
// with --ignore-certificate-errors; the page itself comes over http).
func TestChromiumOurLoopServerTLS(t *testing.T) {
	chromium := need(t, "chromium")
	rec := newRecorder()
	url, _ := ourLoopTLSServer(t, rec)
	closed := make(chan struct{})
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			select {
			case <-rec.done:
				close(closed)
			case <-time.After(30 * time.Second):
			case <-r.Context().Done():
			}
			w.Header().Set("Content-Type", "text/javascript")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, tlsPage, url)
	}))
	defer page.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage",
		"--ignore-certificate-errors", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000",
		"--dump-dom", page.URL+"/").Output()
	if !bytes.Contains(dom, []byte(`<span id="result">PASS</span>`)) {
		t.Fatalf("page did not report PASS (err %v):\n%s", err, dom)
	}
	select {
	case <-closed:
	default:
		t.Fatal("the server did not see the close before the page loaded")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.closes[len(rec.closes)-1]; got != "NormalClosure(1000) chromium done" {
		t.Fatalf("server saw %q", got)
	}
}

// ourClientsEchoTLS runs our goroutine client (ws.Dial) and our loop
// client (wsloop.Client) over wss:// against an echo server at url.
func ourClientsEchoTLS(t *testing.T, url string, ca *x509.CertPool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := &ws.Options{MaxMessagePayload: 4 << 20, TLSConfig: &tls.Config{RootCAs: ca}}
	c, err := ws.Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range payloads() {
		op := ws.OpText
		if m.binary {
			op = ws.OpBinary
		}
		if err := c.WriteMessage(ctx, op, m.p); err != nil {
			t.Fatal(err)
		}
		if gotOp, got, err := c.ReadMessage(ctx); err != nil || gotOp != op || !bytes.Equal(got, m.p) {
			t.Fatalf("goroutine client: %d bytes echoed as %d (%v)", len(m.p), len(got), err)
		}
	}
	_ = c.Close(ws.StatusNormalClosure, "")

	cl := &wsloop.Client{Options: opts}
	defer cl.Close()
	h := &loopEcho{msgs: make(chan []byte, 1), ended: make(chan string, 1)}
	lc, err := cl.Dial(ctx, url, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range payloads() {
		op := ws.OpText
		if m.binary {
			op = ws.OpBinary
		}
		if err := lc.WriteMessage(ctx, op, m.p); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-h.msgs: // the opcode, then the payload
			if got[0] != byte(op) || !bytes.Equal(got[1:], m.p) {
				t.Fatalf("loop client: %d bytes echoed as %d", len(m.p), len(got)-1)
			}
		case <-ctx.Done():
			t.Fatalf("loop client: no echo of %d bytes", len(m.p))
		}
	}
	_ = lc.Close(ws.StatusNormalClosure, "")
	select {
	case <-h.ended:
	case <-ctx.Done():
		t.Fatal("loop client: no close")
	}
}

// peerTLSServer starts a peer server over wss:// (args: cert.pem
// key.pem) and returns its URL and the pool that trusts it.
func peerTLSServer(t *testing.T, mk func(cert, key string) *exec.Cmd) (string, *x509.CertPool) {
	t.Helper()
	cert, ca := selfSigned(t)
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool.AddCert(leaf)
	u := startPeerServer(t, mk(ca, filepath.Join(filepath.Dir(ca), "key.pem")))
	return "wss://" + strings.TrimPrefix(u, "ws://"), pool
}

func TestOurClientsNodeServerTLS(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, pool := peerTLSServer(t, func(cert, key string) *exec.Cmd { return nodeCmd(t, ctx, "node_server.js", cert, key) })
	ourClientsEchoTLS(t, url, pool)
}

func TestOurClientsPythonServerTLS(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, pool := peerTLSServer(t, func(cert, key string) *exec.Cmd { return pythonCmd(t, ctx, "py_server.py", cert, key) })
	ourClientsEchoTLS(t, url, pool)
}
