package wsloop_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/tlsrec"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// tapConn keeps every byte read from the connection.
type tapConn struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.got = append(c.got, b[:n]...)
	c.mu.Unlock()
	return n, err
}

func (c *tapConn) read() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.got)
}

// keyLines keeps the key log lines of a handshake.
type keyLines struct {
	mu    sync.Mutex
	lines [][]byte
}

func (k *keyLines) Write(p []byte) (int, error) {
	k.mu.Lock()
	k.lines = append(k.lines, bytes.Clone(p))
	k.mu.Unlock()
	return len(p), nil
}

func (k *keyLines) secret(t *testing.T, label string) []byte {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, l := range k.lines {
		if f := strings.Fields(string(l)); len(f) == 3 && f[0] == label {
			s, err := hex.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatalf("no %s in the key log", label)
	return nil
}

// records splits a TLS stream into its records.
func records(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var recs [][]byte
	for len(b) > 0 {
		n := tlsrec.RecordLen(b)
		if n == 0 || n > len(b) {
			t.Fatalf("the stream ends in the middle of a record (%d bytes left)", len(b))
		}
		recs = append(recs, b[:n])
		b = b[n:]
	}
	return recs
}

// endsWithCloseNotify reports whether the server's side of a finished
// TLS connection (the stream the client read, its state and key log)
// ends with a close_notify alert; with fromClient, the client's side (the
// stream the server read).
func endsWithCloseNotify(t *testing.T, stream []byte, st tls.ConnectionState, keys *keyLines, fromClient bool) bool {
	t.Helper()
	recs := records(t, stream)
	if st.Version == tls.VersionTLS12 {
		// The content type is in the clear: the last record is an
		// alert (its description is encrypted), the only one after
		// the handshake.
		last := recs[len(recs)-1]
		return last[0] == 21
	}
	label := "SERVER_TRAFFIC_SECRET_0"
	if fromClient {
		label = "CLIENT_TRAFFIC_SECRET_0"
	}
	secret := keys.secret(t, label)
	// The first record that opens with the sender's application key at
	// sequence 0 (the ones before are under its handshake key).
	first := -1
	for i, r := range recs {
		if r[0] != 23 {
			continue
		}
		probe, err := tlsrec.New(st.CipherSuite, bytes.Clone(secret), bytes.Clone(secret), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := probe.Open(bytes.Clone(r)); !errors.Is(err, tlsrec.AlertBadRecordMAC) {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("no record under the server's application key")
	}
	// The record layer of the receiving side: a client's skips the
	// session tickets.
	rc, err := tlsrec.New(st.CipherSuite, bytes.Clone(secret), bytes.Clone(secret), 0, 0)
	if !fromClient {
		capt := tlsrec.NewClientCapture(nil)
		w := capt.KeyLogWriter()
		keys.mu.Lock()
		for _, l := range keys.lines {
			_, _ = w.Write(l)
		}
		keys.mu.Unlock()
		rc, err = capt.Conn(st)
	}
	if err != nil {
		t.Fatal(err)
	}
	rest := bytes.Join(recs[first:], nil)
	_, used, err := rc.Open(rest)
	if err != nil && err != io.EOF {
		t.Fatalf("opening the server's records: %v", err)
	}
	if err == io.EOF && used != len(rest) {
		t.Fatalf("%d bytes after the close_notify", len(rest)-used)
	}
	return err == io.EOF
}

// TestReview14ServerSendsCloseNotify: after a clean close handshake the
// server closes its TLS with a close_notify (RFC 8446 6.1, RFC 5246
// 7.2.1: each party must send one before closing its write side), on
// the record layer (TLS 1.3) and with crypto/tls (TLS 1.2): a strict
// peer (OpenSSL's SSL_R_UNEXPECTED_EOF_WHILE_READING) otherwise takes
// the end for a truncation attack.
func TestReview14ServerSendsCloseNotify(t *testing.T) {
	h := newEcho()
	u, ccfg, _ := serveTLS(t, h, nil, nil)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, peerFirst := range []bool{false, true} {
			name := tls.VersionName(vers)
			if peerFirst {
				name += "-after-the-peer's"
			}
			t.Run(name, func(t *testing.T) { closeNotifyOnce(t, h, pu, ccfg, vers, peerFirst) })
		}
	}
}

// closeNotifyOnce runs one connection of TestReview14ServerSendsCloseNotify:
// a clean close handshake, or with peerFirst the client's close_notify
// right after the upgrade (the server answers with its own: RFC 5246
// 7.2.1, and RFC 8446 6.1 as it closes).
func closeNotifyOnce(t *testing.T, h *echo, pu *url.URL, ccfg *tls.Config, vers uint16, peerFirst bool) {
	nc, err := net.Dial("tcp", pu.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	tap := &tapConn{Conn: nc}
	keys := &keyLines{}
	cfg := ccfg.Clone()
	cfg.ServerName = "localhost"
	cfg.MinVersion, cfg.MaxVersion = vers, vers
	cfg.KeyLogWriter = keys
	tc := tls.Client(tap, cfg)
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := ws.AppendRequest(nil, pu, ws.NewKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Write(req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(tc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	want := "true 1000 bye"
	if peerFirst {
		if err := tc.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		want = "false 1006 "
	} else {
		// A masked close frame (1000, "bye"), mask 0.
		if _, err := tc.Write([]byte{0x88, 0x85, 0, 0, 0, 0, 0x03, 0xe8, 'b', 'y', 'e'}); err != nil {
			t.Fatal(err)
		}
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("reading to the end: %v", err)
	}
	if !peerFirst && (len(rest) < 2 || rest[0] != 0x88) {
		t.Fatalf("no close frame: %x", rest)
	}
	if got := h.waitEnd(t); got != want {
		t.Fatalf("server saw %q, want %q", got, want)
	}
	st := tc.ConnectionState()
	_ = tc.Close()
	if !endsWithCloseNotify(t, tap.read(), st, keys, false) {
		t.Fatal("the server closed without a close_notify")
	}
}

// TestReview14ClientSendsCloseNotify: the loop's client ends its TLS with
// a close_notify too, after a close handshake the server began, on the
// record layer (TLS 1.3 without a session cache) and with crypto/tls.
func TestReview14ClientSendsCloseNotify(t *testing.T) {
	srvCert, pool := wsloop.NewTestCert(t, "server")
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(vers), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			cl := &wsloop.Client{Options: &ws.Options{TLSConfig: &tls.Config{RootCAs: pool, MaxVersion: vers}}, Config: eventloop.Config{Loops: 1}}
			defer cl.Close()
			h := newEcho()
			dialed, nc := dialAccept(t, cl, ln, h)
			tap := &tapConn{Conn: nc}
			keys := &keyLines{}
			tc := tls.Server(tap, &tls.Config{Certificates: []tls.Certificate{srvCert}, KeyLogWriter: keys})
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(tc)
			resp := switchProtocols(t, br)
			// The 101 and a close frame (1000, "bye").
			if _, err := tc.Write(append([]byte(resp), 0x88, 5, 0x03, 0xe8, 'b', 'y', 'e')); err != nil {
				t.Fatal(err)
			}
			if err := <-dialed; err != nil {
				t.Fatal(err)
			}
			if got := h.waitEnd(t); got != "true 1000 bye" {
				t.Fatalf("client saw %q", got)
			}
			// The client's close frame, then the end of its stream.
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatalf("reading to the end: %v", err)
			}
			if len(rest) < 2 || rest[0] != 0x88 {
				t.Fatalf("no close frame: %x", rest)
			}
			if !endsWithCloseNotify(t, tap.read(), tc.ConnectionState(), keys, true) {
				t.Fatal("the client closed without a close_notify")
			}
		})
	}
}
