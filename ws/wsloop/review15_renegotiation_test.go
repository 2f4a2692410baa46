package wsloop_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// outBuf collects a child's output; wait polls it for a pattern.
type outBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *outBuf) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *outBuf) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// wait returns the first match of re (its first group) in the output,
// within 5 s.
func (o *outBuf) wait(t *testing.T, re *regexp.Regexp, what string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the output:\n%s", what, o.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closeRecorder records how the connection ended.
type closeRecorder struct {
	ws.BaseHandler
	closed chan string
}

func (h *closeRecorder) OnClose(c *ws.Conn, clean bool, code ws.StatusCode, reason string) {
	h.closed <- fmt.Sprintf("%v %d %s", clean, code, reason)
}

// sServer starts `openssl s_server` for TLS 1.2 on a loopback port with a
// fresh certificate and returns its address, its stdin and its output.
func sServer(t *testing.T, bin string) (addr string, stdin io.Writer, out *outBuf, pool *x509.CertPool) {
	t.Helper()
	cert, pool := wsloop.NewTestCert(t, "localhost")
	dir := t.TempDir()
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-tls1_2", "-cert", certFile, "-key", keyFile)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out = &outBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Process.Kill()
		<-done
	})
	addr = out.wait(t, regexp.MustCompile(`ACCEPT (\S+)`), "ACCEPT")
	return addr, in, out, pool
}

// TestReview15RenegotiationRefused: a TLS 1.2 server (openssl s_server,
// its "r" command) asks the loop client to renegotiate, with a
// tls.Config that allows it (shared with an HTTP client that needs it,
// say). The loop cannot renegotiate: crypto/tls's handshake there would
// need to wait for input inside a Read on the loop. It started one
// anyway: its ClientHello went out, the server's answer came back as
// "would block" for ever, and the connection hung open with nothing
// delivered and no error (until a write failed with "ws: connection
// closed"). Now the loop client refuses as crypto/tls does with
// RenegotiateNever: a no_renegotiation alert to the server, and the
// connection ends at once (1006, for crypto/tls's "local error: tls: no
// renegotiation").
func TestReview15RenegotiationRefused(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	for _, renego := range []tls.RenegotiationSupport{tls.RenegotiateOnceAsClient, tls.RenegotiateFreelyAsClient} {
		addr, stdin, out, pool := sServer(t, bin)
		cfg := &tls.Config{RootCAs: pool, Renegotiation: renego}
		cl := &wsloop.Client{Options: &ws.Options{TLSConfig: cfg, PingInterval: -1}, Config: eventloop.Config{Loops: 1}}
		h := &closeRecorder{closed: make(chan string, 1)}
		type dialed struct {
			c   *ws.Conn
			err error
		}
		dc := make(chan dialed, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := cl.Dial(ctx, "wss://localhost:"+addr[strings.LastIndexByte(addr, ':')+1:]+"/", h)
			dc <- dialed{c, err}
		}()
		key := out.wait(t, regexp.MustCompile(`Sec-WebSocket-Key: (\S+)\r\n`), "the request")
		if _, err := io.WriteString(stdin, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+ws.AcceptKey([]byte(key))+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		d := <-dc
		if d.err != nil {
			t.Fatal(d.err)
		}
		if cfg.Renegotiation != renego {
			t.Fatal("Dial changed the caller's tls.Config")
		}
		if _, err := io.WriteString(stdin, "r\n"); err != nil { // HelloRequest
			t.Fatal(err)
		}
		select {
		case got := <-h.closed:
			if !strings.HasPrefix(got, "false 1006") {
				t.Errorf("%v: ended %q, want 1006", renego, got)
			}
			// The server heard why: our no_renegotiation alert.
			out.wait(t, regexp.MustCompile(`(no renegotiation)`), "no_renegotiation alert at the server")
		case <-time.After(5 * time.Second):
			t.Errorf("%v: the connection hangs after the server's HelloRequest", renego)
		}
		if err := cl.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
