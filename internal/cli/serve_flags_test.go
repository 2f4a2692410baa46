package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

// serve -h and --help print the usage with every flag on stdout and
// succeed (exit status 0).
func TestServeHelp(t *testing.T) {
	for _, h := range []string{"-h", "--help"} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"serve", h}, &out, &errOut); err != nil {
			t.Fatalf("serve %s: %v", h, err)
		}
		for _, want := range []string{"usage: autobahn serve", "-procs", "-driver", "-tls-cert", "-compress", "-max-conns", "-log-format", "/healthz", "-metrics-addr"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("serve %s: the usage lacks %q", h, want)
			}
		}
	}
}

// A bad command line is a usage error (exit status 2) that says why,
// before anything listens.
func TestServeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "not defined: -bogus"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"--driver", "threads"}, `--driver "threads"`},
		{[]string{"--addr", ""}, `--addr ""`}, // the default driver, loop, needs an address
		{[]string{"--tls-cert", "c.pem"}, "go together"},
		{[]string{"--procs", "0"}, "--procs 0"},
		{[]string{"--procs", "2", "--config", "x.json"}, "does not combine"},
		{[]string{"--compress", "zstd"}, `--compress "zstd"`},
		{[]string{"--compress", "deflate,deflate"}, "twice"},
		{[]string{"--log-format", "xml"}, `--log-format "xml"`},
		{[]string{"--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"--shutdown-timeout", "0s"}, "--shutdown-timeout 0s"},
	} {
		var out, errOut bytes.Buffer
		// Already cancelled: a command line that wrongly passes serves
		// and stops at once instead of hanging the test.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), &out, &errOut)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
}

// startServe runs serve with args until the returned stop is called; it
// returns the first n lines it printed. stop returns serve's error.
func startServe(t *testing.T, n int, args ...string) (lines []string, stop func() error) {
	t.Helper()
	return startServeExt(t, Extension{}, n, args...)
}

// startServeExt is startServe with ext.
func startServeExt(t *testing.T, ext Extension, n int, args ...string) (lines []string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, append([]string{"serve"}, args...), pw, io.Discard, ext)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	for range n {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("serve %v: %v (printed %q)", args, err, lines)
		}
		lines = append(lines, line)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	var stopped bool
	var serr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			serr = <-errc
		}
		return serr
	}
	t.Cleanup(func() { _ = stop() })
	return lines, stop
}

func find(t *testing.T, re, s string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in %q", re, s)
	}
	return m[1]
}

// echoOnce sends a message on c and checks the echo.
func echoOnce(t *testing.T, ctx context.Context, c *ws.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(ctx, ws.OpText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != msg {
		t.Fatalf("echo: %d bytes, %v", len(p), err)
	}
}

// goingAway reads c, from now on, until its close: the channel gets nil
// if the close code was 1001. Reading while the server stops lets it
// finish its close handshake at once.
func goingAway(ctx context.Context, c *ws.Conn) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctx)
		var ce *ws.CloseError
		if errors.As(err, &ce) && ce.Code == ws.StatusGoingAway {
			err = nil
		} else {
			err = fmt.Errorf("after stop: %v, want 1001", err)
		}
		done <- err
	}()
	return done
}

// --driver loop: the event loop serves --addr (echo, WAMP on /ws), and
// stopping closes with 1001.
func TestServeDriverLoop(t *testing.T) {
	lines, stop := startServe(t, 2, "--addr", "127.0.0.1:0", "--driver", "loop", "--max-conns", "10", "--log-format", "json")
	addr := find(t, `http://(127\.0\.0\.1:\d+)/ \(driver loop, the event loop: WebSocket echo on ws://`, lines[0])
	find(t, `WAMP router, realm realm1, on ws://(127\.0\.0\.1:\d+)/ws`, lines[1])
	echoThenStop(t, addr, stop, "on the loop")
}

// echoThenStop echoes msg once over ws://addr/echo, then stops serve and
// checks that the connection was closed with 1001.
func echoThenStop(t *testing.T, addr string, stop func() error, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	echoOnce(t, ctx, c, msg)
	closed := goingAway(ctx, c)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// writeKeyPair writes a self-signed certificate for 127.0.0.1 and its key.
func writeKeyPair(t *testing.T, dir string, serial int64) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "autobahn test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Write beside, then rename: the server never sees a half-written pair.
	for _, f := range []struct {
		path, typ string
		der       []byte
	}{{keyFile, "EC PRIVATE KEY", kder}, {certFile, "CERTIFICATE", der}} {
		if err := os.WriteFile(f.path+".new", pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f.path+".new", f.path); err != nil {
			t.Fatal(err)
		}
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// --tls-cert/--tls-key: wss (and https) on either driver, with
// permessage-deflate from --compress; a renewed key pair is served
// without a restart.
func TestServeTLSAndCompress(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) { testServeTLSAndCompress(t, driver) })
	}
}

func testServeTLSAndCompress(t *testing.T, driver string) {
	dir := t.TempDir()
	certFile, keyFile, pool1 := writeKeyPair(t, dir, 1)
	lines, stop := startServe(t, 2, "--addr", "127.0.0.1:0", "--driver", driver, "--tls-cert", certFile, "--tls-key", keyFile,
		"--compress", "deflate,snappy", "--deflate-server-window-bits", "10")
	find(t, `WAMP router, realm realm1, on (wss)://`, lines[1])
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if driver == "loop" {
		addr := find(t, `https://(127\.0\.0\.1:\d+)/ \(driver loop, the event loop: WebSocket echo on wss://`, lines[0])
		testServeWSS(t, ctx, addr, dir, pool1, stop)
		return
	}
	addr := find(t, `https://(127\.0\.0\.1:\d+)/ \(WebSocket echo on wss://`, lines[0])
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool1}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) || resp.TLS == nil {
		t.Fatalf("/healthz over TLS: %d %q", resp.StatusCode, body)
	}
	testServeWSS(t, ctx, addr, dir, pool1, stop)
}

// testServeWSS: echo over wss with permessage-deflate, then a renewed
// certificate, then stop: 1001.
func testServeWSS(t *testing.T, ctx context.Context, addr, dir string, pool1 *x509.CertPool, stop func() error) {

	c, err := ws.Dial(ctx, "wss://"+addr+"/echo", &ws.Options{
		TLSConfig:  &tls.Config{RootCAs: pool1},
		Extensions: []ws.Extension{deflate.New(deflate.Options{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if !strings.HasPrefix(c.Extensions(), "permessage-deflate") || !strings.Contains(c.Extensions(), "server_max_window_bits=10") {
		t.Fatalf("negotiated %q, want permessage-deflate with server_max_window_bits=10", c.Extensions())
	}
	echoOnce(t, ctx, c, strings.Repeat("compress me ", 1000))

	// Renew the key pair in place: new handshakes get the new certificate
	// (checked on a handshake at most once a second).
	_, _, pool2 := writeKeyPair(t, dir, 2)
	for {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool2})
		if err == nil {
			serial := conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
			conn.Close()
			if serial == 2 {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the renewed certificate was never served: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	echoOnce(t, ctx, c, "still open")
	closed := goingAway(ctx, c)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}
