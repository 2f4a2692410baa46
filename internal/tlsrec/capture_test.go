package tlsrec

import (
	"bytes"
	"crypto/tls"
	"math/rand/v2"
	"strings"
	"testing"
)

// event is one thing a Capture saw: a key log line or bytes written.
type event struct {
	keyLog bool
	b      []byte
}

// recorder records, in order, the key log lines and the writes a
// Capture is given.
type recorder struct {
	capt   *Capture
	events *[]event
}

type recKeyLog recorder

func (r *recKeyLog) Write(p []byte) (int, error) {
	*r.events = append(*r.events, event{true, bytes.Clone(p)})
	return r.capt.KeyLogWriter().Write(p)
}

type recWire struct {
	wireTap
	events *[]event
}

func (w recWire) Write(b []byte) (int, error) {
	*w.events = append(*w.events, event{false, bytes.Clone(b)})
	return w.wireTap.Write(b)
}

// recordHandshake runs a handshake over a socketpair (tickets on,
// optionally a client certificate or a HelloRetryRequest) and returns
// what the Capture saw, the server's state and the Conn it made.
func recordHandshake(t *testing.T, clientCert, hrr bool) ([]event, tls.ConnectionState, *Conn) {
	srvCfg, cliCfg, ca := testConfigs(t)
	cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(2)
	if clientCert {
		srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
		srvCfg.ClientCAs = ca.Pool
		cliCfg.Certificates = []tls.Certificate{ca.Client(t, "bob")}
	}
	if hrr {
		srvCfg.CurvePreferences = []tls.CurveID{tls.CurveP384}
	}
	cc, sc := connPair(t, viaSocket)
	var events []event
	capt := NewCapture(nil)
	srvCfg.KeyLogWriter = &recKeyLog{capt, &events}
	cli := tls.Client(cc, cliCfg)
	srv := tls.Server(recWire{tap(sc, capt), &events}, srvCfg)
	handshakeBoth(t, cli, srv)
	st := srv.ConnectionState()
	c, err := capt.Conn(st)
	if err != nil {
		t.Fatal(err)
	}
	return events, st, c
}

// replay feeds events to a new Capture, the bytes between two key log
// lines cut by cut (which returns the next piece's length).
func replay(t *testing.T, events []event, st tls.ConnectionState, cut func(rest int) int) *Conn {
	capt := NewCapture(nil)
	var wire []byte
	flush := func() {
		for len(wire) > 0 {
			n := min(max(cut(len(wire)), 1), len(wire))
			capt.Wrote(wire[:n])
			wire = wire[n:]
		}
	}
	for _, e := range events {
		if e.keyLog {
			flush()
			if _, err := capt.KeyLogWriter().Write(e.b); err != nil {
				t.Fatal(err)
			}
		} else {
			wire = append(wire, e.b...)
		}
	}
	flush()
	c, err := capt.Conn(st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameConn(a, b *Conn) bool {
	return a.suite == b.suite && a.in.seq == b.in.seq && a.out.seq == b.out.seq &&
		bytes.Equal(a.in.secret, b.in.secret) && bytes.Equal(a.out.secret, b.out.secret)
}

// TestCaptureSplits: the records crypto/tls wrote, in any pieces (one
// byte at a time, records merged, random cuts), make the same Conn.
func TestCaptureSplits(t *testing.T) {
	for _, tc := range []struct {
		name            string
		clientCert, hrr bool
	}{{"tickets", false, false}, {"client-cert", true, false}, {"hrr", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			events, st, want := recordHandshake(t, tc.clientCert, tc.hrr)
			if want.out.seq == 0 {
				t.Fatal("no ticket counted")
			}
			rng := rand.New(rand.NewPCG(1, 2))
			cuts := map[string]func(int) int{
				"whole":  func(rest int) int { return rest },
				"bytes":  func(int) int { return 1 },
				"3":      func(int) int { return 3 },
				"random": func(rest int) int { return 1 + rng.IntN(min(rest, 700)) },
				"header": func(int) int { return HeaderLen + 1 },
			}
			for name, cut := range cuts {
				for range 5 {
					if got := replay(t, events, st, cut); !sameConn(got, want) {
						t.Fatalf("%s: out seq %d, want %d", name, got.out.seq, want.out.seq)
					}
				}
			}
		})
	}
}

// TestCaptureKeyLogPassedOn: an application KeyLogWriter given to
// NewCapture gets every line crypto/tls writes, in order.
func TestCaptureKeyLogPassedOn(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	cc, sc := connPair(t, viaSocket)
	var app, direct bytes.Buffer
	capt := NewCapture(&app)
	srvCfg.KeyLogWriter = capt.KeyLogWriter()
	cliCfg.KeyLogWriter = &direct // the client writes the same lines
	cli := tls.Client(cc, cliCfg)
	srv := tls.Server(tap(sc, capt), srvCfg)
	handshakeBoth(t, cli, srv)
	if _, err := capt.Conn(srv.ConnectionState()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(app.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), app.String())
	}
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
		"CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 "} {
		if !strings.Contains(app.String(), "\n"+label) && !strings.HasPrefix(app.String(), label) {
			t.Errorf("no %s line", label)
		}
	}
	// Same lines as the client's own key log, whatever the order.
	a, d := strings.Fields(app.String()), strings.Fields(direct.String())
	if len(a) != len(d) {
		t.Fatalf("server %d fields, client %d", len(a), len(d))
	}
	set := map[string]bool{}
	for _, f := range d {
		set[f] = true
	}
	for _, f := range a {
		if !set[f] {
			t.Fatalf("%s not in the client's key log", f)
		}
	}
}

// TestCaptureBadKeyLog: a key log line that is not hex fails Conn.
func TestCaptureBadKeyLog(t *testing.T) {
	capt := NewCapture(nil)
	_, _ = capt.KeyLogWriter().Write([]byte("CLIENT_TRAFFIC_SECRET_0 00 zz\n"))
	if _, err := capt.Conn(tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}); err == nil {
		t.Fatal("Conn after a bad key log line")
	}
}

// TestRecordReader: reads through RecordReader end at record boundaries
// whatever the buffer size, and return every byte.
func TestRecordReader(t *testing.T) {
	stream, _ := splitStream(t, tls.TLS_AES_128_GCM_SHA256)
	stream = append(stream, 22, 3, 3, 0, 0) // an empty record
	stream = append(stream, 23, 3, 3, 0, 3, 1, 2)
	var bounds []int // record ends
	for off := 0; off < len(stream); {
		n := RecordLen(stream[off:])
		if n == 0 || off+n > len(stream) {
			n = len(stream) - off
		}
		off += n
		bounds = append(bounds, off)
	}
	for _, size := range []int{1, 2, 5, 6, 100, 1 << 16} {
		src := bytes.NewReader(stream)
		rr := RecordReader(src)
		var got []byte
		buf := make([]byte, size)
		for {
			n, err := rr.Read(buf)
			got = append(got, buf[:n]...)
			// A read never crosses the end of a record.
			pos := len(got)
			for _, b := range bounds {
				if pos-n < b && b < pos {
					t.Fatalf("size %d: read %d..%d crosses %d", size, pos-n, pos, b)
				}
			}
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, stream) {
			t.Fatalf("size %d: read %d of %d bytes", size, len(got), len(stream))
		}
	}
	if n, err := RecordReader(bytes.NewReader(stream)).Read(nil); n != 0 || err != nil {
		t.Fatal(n, err)
	}
}
