package wsloop_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// layerEcho is echo that reports, for every connection it opens, whether
// the connection runs on the loop's own TLS record layer, and its TLS
// state as the server sees it.
type layerEcho struct {
	*echo
	opened chan layerSeen
}

type layerSeen struct {
	own   bool
	state tls.ConnectionState
}

func (h layerEcho) OnOpen(c *ws.Conn) {
	st, _ := c.ConnectionState()
	h.opened <- layerSeen{wsloop.OnRecordLayer(c), st}
	h.echo.OnOpen(c)
}

func newLayerEcho() layerEcho { return layerEcho{newEcho(), make(chan layerSeen, 16)} }

func (h layerEcho) seen(t *testing.T) layerSeen {
	t.Helper()
	select {
	case s := <-h.opened:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no connection opened")
		return layerSeen{}
	}
}

// TestTLSRecordLayerTakesOver: after a TLS 1.3 handshake the server's
// connection leaves crypto/tls for the loop's record layer, with the
// session ticket crypto/tls sealed counted (the client reads every later
// record), a resumed session too, and messages of every size class both
// ways; TLS 1.2 stays with crypto/tls. The handler's TLS state is the
// handshake's.
func TestTLSRecordLayerTakesOver(t *testing.T) {
	h := newLayerEcho()
	u, ccfg, _ := serveTLS(t, h, nil, nil)
	for _, tc := range []struct {
		name    string
		vers    uint16
		tickets bool
	}{{"tls13", tls.VersionTLS13, false}, {"tls13-ticket", tls.VersionTLS13, true}, {"tls12", tls.VersionTLS12, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ccfg.Clone()
			cfg.ServerName = "localhost"
			cfg.NextProtos = []string{"http/1.1"}
			cfg.MinVersion, cfg.MaxVersion = tc.vers, tc.vers
			if tc.tickets {
				cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			}
			for i := range 2 {
				c := dial(t, u, &ws.Options{TLSConfig: cfg})
				s := h.seen(t)
				if want := tc.vers == tls.VersionTLS13; s.own != want {
					t.Fatalf("connection %d on the record layer: %v, want %v", i, s.own, want)
				}
				if s.state.Version != tc.vers || !s.state.HandshakeComplete || s.state.NegotiatedProtocol != "http/1.1" || s.state.ServerName != "localhost" {
					t.Fatalf("server's TLS state: %+v", s.state)
				}
				echoSizes(t, c)
				cst, _ := c.ConnectionState()
				if want := tc.tickets && i == 1; cst.DidResume != want {
					t.Fatalf("connection %d: DidResume %v, want %v", i, cst.DidResume, want)
				}
				if err := c.Close(ws.StatusNormalClosure, "bye"); err != nil {
					t.Fatal(err)
				}
				if got := h.waitEnd(t); got != "true 1000 bye" {
					t.Fatalf("server saw %q", got)
				}
			}
		})
	}
}

// tamperConn flips a bit in the last byte of each write once armed: the
// AEAD tag of the record it carries.
type tamperConn struct {
	net.Conn
	mu    sync.Mutex
	armed bool
}

func (c *tamperConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.armed {
		b = bytes.Clone(b)
		b[len(b)-1] ^= 1
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// TestTLSRecordLayerBadRecord: a record that fails authentication ends
// the connection with the bad_record_mac alert, which the client reads.
func TestTLSRecordLayerBadRecord(t *testing.T) {
	h := newLayerEcho()
	u, ccfg, _ := serveTLS(t, h, nil, nil)
	addr := u[len("wss://") : len(u)-len("/echo")]
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tamperConn{Conn: nc}
	cfg := ccfg.Clone()
	cfg.ServerName = "localhost"
	tc := tls.Client(tp, cfg)
	defer tc.Close()
	upgrade(t, tc, u)
	if s := h.seen(t); !s.own {
		t.Fatal("not on the record layer")
	}
	tp.mu.Lock()
	tp.armed = true
	tp.mu.Unlock()
	// A masked, empty binary frame; its record's tag is broken.
	if _, err := tc.Write([]byte{0x82, 0x80, 1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	_ = tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = tc.Read(make([]byte, 64))
	if err == nil || !strings.Contains(err.Error(), "bad record MAC") {
		t.Fatalf("client read %v, want the server's bad_record_mac alert", err)
	}
	if got := h.waitEnd(t); !strings.HasPrefix(got, "false 1006") {
		t.Fatalf("server saw %q", got)
	}
}

// TestTLSRecordLayerApplicationConfig: the application's own
// GetConfigForClient and KeyLogWriter keep working on the record layer:
// the configuration it returns serves the handshake, and its key log gets
// every line.
func TestTLSRecordLayerApplicationConfig(t *testing.T) {
	one, pool := wsloop.NewTestCert(t, "one")
	two, _ := wsloop.NewTestCert(t, "two")
	pool.AddCert(two.Leaf)
	keyLog, err := os.Create(filepath.Join(t.TempDir(), "keylog"))
	if err != nil {
		t.Fatal(err)
	}
	defer keyLog.Close()
	per := &tls.Config{Certificates: []tls.Certificate{two}, KeyLogWriter: keyLog}
	cfg := &tls.Config{
		Certificates:       []tls.Certificate{one},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return per, nil },
	}
	h := newLayerEcho()
	u, _, _ := serveTLS(t, h, nil, cfg)
	c := dial(t, u, &ws.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}})
	if s := h.seen(t); !s.own {
		t.Fatal("not on the record layer")
	}
	cst, _ := c.ConnectionState()
	if cn := cst.PeerCertificates[0].Subject.CommonName; cn != "two" {
		t.Fatalf("served %q, want the certificate of GetConfigForClient's configuration", cn)
	}
	echoSizes(t, c)
	lines, err := os.ReadFile(keyLog.Name()) // written before the handshake ended
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} {
		if !strings.Contains(string(lines), label+" ") {
			t.Fatalf("the application's key log has no %s line:\n%s", label, lines)
		}
	}
}

// TestTLSRecordLayerOverlongRecord: a record header announcing more than
// TLS allows ends the connection with record_overflow at once, without
// waiting for (or buffering) the announced bytes, whether the header comes
// whole or in pieces.
func TestTLSRecordLayerOverlongRecord(t *testing.T) {
	h := newLayerEcho()
	u, ccfg, _ := serveTLS(t, h, nil, nil)
	addr := u[len("wss://") : len(u)-len("/echo")]
	for _, pieces := range [][][]byte{
		{{23, 3, 3, 0x48, 0x00}},
		{{23, 3}, {3, 0x48}, {0x00}},
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		cfg := ccfg.Clone()
		cfg.ServerName = "localhost"
		tc := tls.Client(nc, cfg)
		upgrade(t, tc, u)
		if s := h.seen(t); !s.own {
			t.Fatal("not on the record layer")
		}
		for _, p := range pieces {
			if _, err := nc.Write(p); err != nil {
				t.Fatal(err)
			}
		}
		_ = tc.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = tc.Read(make([]byte, 64))
		if err == nil || !strings.Contains(err.Error(), "record overflow") {
			t.Fatalf("%d pieces: client read %v, want the server's record_overflow alert", len(pieces), err)
		}
		h.waitEnd(t)
		_ = tc.Close()
	}
}

// TestTLSRecordLayerClient: the loop's Client moves its wss://
// connections to the record layer too when its configuration keeps no
// sessions (the server's ticket is skipped), and leaves them with
// crypto/tls when it does, so that the next dial resumes.
func TestTLSRecordLayerClient(t *testing.T) {
	h := newLayerEcho()
	u, ccfg, _ := serveTLS(t, h, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, keep := range []bool{false, true} {
		cfg := ccfg.Clone()
		cfg.ServerName = "localhost"
		if keep {
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		}
		cl := &wsloop.Client{Options: &ws.Options{TLSConfig: cfg}, Config: eventloop.Config{Loops: 1}}
		for i := range 2 {
			got := &collect{got: make(chan []byte, 16), closed: make(chan struct{})}
			c, err := cl.Dial(ctx, u, got)
			if err != nil {
				t.Fatal(err)
			}
			if !h.seen(t).own {
				t.Fatal("the server's connection is not on the record layer")
			}
			if own := wsloop.OnRecordLayer(c); own == keep {
				t.Fatalf("sessions kept %v: client on the record layer %v", keep, own)
			}
			st, _ := c.ConnectionState()
			if st.Version != tls.VersionTLS13 || st.DidResume != (keep && i == 1) {
				t.Fatalf("sessions kept %v, dial %d: version %x, DidResume %v", keep, i, st.Version, st.DidResume)
			}
			for _, n := range []int{0, 1, 16385, 1 << 20} {
				msg := bytes.Repeat([]byte{'c'}, n)
				if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
					t.Fatal(err)
				}
				select {
				case b := <-got.got:
					if !bytes.Equal(b, msg) {
						t.Fatalf("size %d: got %d bytes", n, len(b))
					}
				case <-ctx.Done():
					t.Fatalf("size %d: no echo", n)
				}
			}
			_ = c.Close(ws.StatusNormalClosure, "")
			select {
			case <-got.closed:
			case <-ctx.Done():
				t.Fatal("client connection did not end")
			}
			h.waitEnd(t)
		}
		cl.Close()
	}
}

// TestTLSRecordLayerQuiet: once a pong answers its keepalive ping, a
// connection on the record layer lets its AEADs go, and the next messages
// either way make them again.
func TestTLSRecordLayerQuiet(t *testing.T) {
	h := newLayerEcho()
	u, ccfg, _ := serveTLS(t, h, &ws.Options{PingInterval: 20 * time.Millisecond, PingTimeout: 5 * time.Second}, nil)
	c := dial(t, u, &ws.Options{TLSConfig: ccfg, PingInterval: -1})
	if !h.seen(t).own {
		t.Fatal("not on the record layer")
	}
	ctx := context.Background()
	before := wsloop.QuietCompactions()
	// The client answers pings while it reads; a message ends the read.
	read := make(chan error, 1)
	go func() {
		_, p, err := c.ReadMessage(ctx)
		if err == nil && string(p) != "after" {
			err = errors.New("echo " + string(p))
		}
		read <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for wsloop.QuietCompactions() == before {
		if time.Now().After(deadline) {
			t.Fatal("no compaction after keepalive pongs")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.WriteMessage(ctx, ws.OpText, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}

	echoSizes(t, c)
}
