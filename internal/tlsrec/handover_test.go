package tlsrec

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
	"time"
)

var exchangeSizes = []int{0, 1, MaxPlaintext, MaxPlaintext + 1, 1 << 20}

// TestHandoverGoClient takes a crypto/tls server connection over after
// its handshake, in every handshake shape that changes what crypto/tls
// wrote with the application key, and moves data both ways with a
// crypto/tls client, then closes with close_notify both ways.
func TestHandoverGoClient(t *testing.T) {
	cases := []struct {
		name string
		// tickets: the client has a session cache, so the server
		// sends a ticket the Capture must count.
		tickets, noTickets, clientCert, hrr bool
		// noPipe: crypto/tls writes while its peer does not read
		// (tickets after the client's Finished, the
		// change_cipher_spec after a HelloRetryRequest): net.Pipe,
		// without a buffer, would block.
		noPipe bool
	}{
		{name: "no-cache"},
		{name: "tickets-disabled", noTickets: true},
		{name: "tickets", tickets: true},
		{name: "client-cert", tickets: true, clientCert: true, noPipe: true},
		{name: "hrr", tickets: true, hrr: true, noPipe: true},
	}
	for via, vname := range []string{"pipe", "socketpair", "tcp"} {
		for _, tc := range cases {
			if via == viaPipe && tc.noPipe {
				continue
			}
			t.Run(tc.name+"/"+vname, func(t *testing.T) {
				srvCfg, cliCfg, ca := testConfigs(t)
				if tc.tickets {
					cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
				}
				srvCfg.SessionTicketsDisabled = tc.noTickets
				if tc.clientCert {
					srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
					srvCfg.ClientCAs = ca.Pool
					cliCfg.Certificates = []tls.Certificate{ca.Client(t, "alice")}
				}
				if tc.hrr {
					// The client's first key shares are X25519MLKEM768
					// and X25519: P-384 needs a HelloRetryRequest.
					srvCfg.CurvePreferences = []tls.CurveID{tls.CurveP384}
				}
				h := newHandover(t, via, srvCfg, cliCfg)
				st := h.state
				t.Logf("suite %s, sealed %d, curve %v", tls.CipherSuiteName(st.CipherSuite), h.capt.sealed, st.CurveID)
				if tc.noTickets && h.capt.sealed != 0 {
					t.Fatalf("sealed %d records with tickets disabled", h.capt.sealed)
				}
				if tc.tickets && h.capt.sealed == 0 {
					t.Fatal("no ticket record counted")
				}
				if h.srv.rc.out.seq != h.capt.sealed || h.srv.rc.in.seq != 0 {
					t.Fatalf("sequence numbers %d/%d, want %d/0", h.srv.rc.out.seq, h.srv.rc.in.seq, h.capt.sealed)
				}
				if tc.clientCert && (len(st.PeerCertificates) == 0 || len(st.VerifiedChains) == 0) {
					t.Fatal("client certificate not verified")
				}
				if tc.hrr && st.CurveID != tls.CurveP384 {
					t.Fatalf("curve %v, want P-384 after a HelloRetryRequest", st.CurveID)
				}
				exchange(t, h, exchangeSizes...)
				closeBoth(t, h)
			})
		}
	}
}

// TestHandoverResumed resumes a session whose ticket came through a
// handed-over connection's client, and takes the resumed connection
// (PSK handshake, its own new ticket) over too.
func TestHandoverResumed(t *testing.T) {
	for _, via := range []int{viaPipe, viaTCP} {
		srvCfg, cliCfg, _ := testConfigs(t)
		cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		h1 := newHandover(t, via, srvCfg, cliCfg)
		if h1.state.DidResume {
			t.Fatal("first connection resumed")
		}
		exchange(t, h1, 1, 100) // the client's Read takes the ticket in
		closeBoth(t, h1)
		h2 := newHandover(t, via, srvCfg, cliCfg)
		if !h2.state.DidResume || !h2.cli.ConnectionState().DidResume {
			t.Fatal("second connection not resumed")
		}
		t.Logf("resumed: sealed %d", h2.capt.sealed)
		exchange(t, h2, exchangeSizes...)
		closeBoth(t, h2)
	}
}

// TestAlertReachesGoClient: the bytes of AppendAlert are the alert the
// crypto/tls client reports.
func TestAlertReachesGoClient(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	h := newHandover(t, viaPipe, srvCfg, cliCfg)
	exchange(t, h, 5)
	errc := h.srv.writeAsync(h.srv.rc.AppendAlert(nil, AlertBadRecordMAC), nil)
	_ = h.cli.SetReadDeadline(time.Now().Add(ioTimeout))
	_, err := h.cli.Read(make([]byte, 10))
	if err == nil || !strings.Contains(err.Error(), "bad record MAC") {
		t.Fatalf("client read error %v, want bad record MAC", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestCaptureNotTLS13: a TLS 1.2 handshake stays with crypto/tls.
func TestCaptureNotTLS13(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	srvCfg.MaxVersion = tls.VersionTLS12
	cc, sc := connPair(t, viaPipe)
	capt := NewCapture(nil)
	srvCfg.KeyLogWriter = capt.KeyLogWriter()
	cli, srv := tls.Client(cc, cliCfg), tls.Server(tap(sc, capt), srvCfg)
	handshakeBoth(t, cli, srv)
	if v := srv.ConnectionState().Version; v != tls.VersionTLS12 {
		t.Fatalf("version %x", v)
	}
	if c, err := capt.Conn(srv.ConnectionState()); err == nil || c != nil {
		t.Fatalf("Conn of a TLS 1.2 handshake: %v, %v", c, err)
	}
}

// TestCaptureNoKeyLog: a Capture whose KeyLogWriter was not installed
// has no secrets, and says so.
func TestCaptureNoKeyLog(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	cc, sc := connPair(t, viaPipe)
	capt := NewCapture(nil)
	cli, srv := tls.Client(cc, cliCfg), tls.Server(tap(sc, capt), srvCfg)
	handshakeBoth(t, cli, srv)
	if c, err := capt.Conn(srv.ConnectionState()); err == nil || c != nil {
		t.Fatalf("Conn without key log: %v, %v", c, err)
	}
}

// TestHandoverPipelined: a client that sends data right after its
// Finished, without waiting for anything (a wss:// client's HTTP
// request). Read through RecordReader, crypto/tls does not read those
// records ahead, and Open gets them. (Without it, crypto/tls's read-ahead
// kept the data in about one in four tries over TCP.)
func TestHandoverPipelined(t *testing.T) {
	req := "GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for via, vname := range []string{"pipe", "socketpair", "tcp"} {
		for _, clientCert := range []bool{false, true} {
			if via == viaPipe && clientCert {
				continue // the tickets come after the client's Finished
			}
			t.Run(vname+"/client-cert="+strconv.FormatBool(clientCert), func(t *testing.T) {
				for range 20 {
					srvCfg, cliCfg, ca := testConfigs(t)
					cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
					if clientCert {
						srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
						srvCfg.ClientCAs = ca.Pool
						cliCfg.Certificates = []tls.Certificate{ca.Client(t, "carol")}
					}
					cc, sc := connPair(t, via)
					capt := NewCapture(nil)
					srvCfg.KeyLogWriter = capt.KeyLogWriter()
					cli, srv := tls.Client(cc, cliCfg), tls.Server(tap(sc, capt), srvCfg)
					errc := make(chan error, 1)
					go func() {
						err := cli.Handshake()
						if err == nil {
							_, err = cli.Write([]byte(req))
						}
						errc <- err
					}()
					if err := srv.Handshake(); err != nil {
						t.Fatal(err)
					}
					rc, err := capt.Conn(srv.ConnectionState())
					if err != nil {
						t.Fatal(err)
					}
					s := &server{t: t, raw: sc, rc: rc}
					got, err := s.read(len(req))
					if err != nil || string(got) != req {
						t.Fatalf("read %q, %v", got, err)
					}
					if err := <-errc; err != nil {
						t.Fatal(err)
					}
					cc.Close()
					sc.Close()
				}
			})
		}
	}
}

// TestHandoverMiscountFails is the control of the handover tests: had
// the Capture miscounted the ticket records, the crypto/tls client would
// fail on our first record, as it does here.
func TestHandoverMiscountFails(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	h := newHandover(t, viaSocket, srvCfg, cliCfg)
	if h.srv.rc.out.seq == 0 {
		t.Fatal("no ticket counted")
	}
	h.srv.rc.out.seq--
	if err := <-h.srv.sendAsync([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = h.cli.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := h.cli.Read(make([]byte, 10)); err == nil || !strings.Contains(err.Error(), "bad record MAC") {
		t.Fatalf("client read error %v, want bad record MAC", err)
	}
}
