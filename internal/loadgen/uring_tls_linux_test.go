package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"golang.org/x/sys/unix"
)

// tlsLoopEcho serves an echo over TLS with cert on the event loop.
func tlsLoopEcho(t *testing.T, cert tls.Certificate) (string, *echo) {
	t.Helper()
	h := &echo{sources: map[string]bool{}}
	srv := &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	})
	return "wss://" + addr.String() + "/echo", h
}

// startBounded runs r and fails the test if it does not end within 20 s.
func startBounded(t *testing.T, r *Run) (*Result, error) {
	t.Helper()
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := r.Start(context.Background())
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(20 * time.Second):
		t.Fatal("run did not end")
		return nil, nil
	}
}

// The uring engine runs wss:// against a TLS echo: a certificate verified
// against its CA, messages beyond one TLS record, every echo matched.
func TestURingWSS(t *testing.T) {
	uringOrSkip(t)
	cert, pool := selfSigned(t)
	url, h := tlsLoopEcho(t, cert)
	sizes, _ := ParseSizes("32:3,20000:1")
	r := &Run{Dial: Dial{URL: url, Conns: 8, Sources: 2, TLSConfig: &tls.Config{RootCAs: pool}},
		InFlight: 2, Sizes: sizes, Engine: "uring", Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	res, err := startBounded(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Engine != "uring" || res.Connected != 8 || res.Received < 20 || res.Errors != 0 || res.Mismatched != 0 ||
		res.UnexpectedCloses != 0 || res.Unsolicited != 0 || res.ConnectErrors != 0 {
		t.Fatalf("wss run %+v", res)
	}
	if res.BytesPerSecond*res.DurationSeconds < float64(res.Received/8)*20000 {
		t.Fatalf("received %v bytes for %d messages: the large ones are missing", res.BytesPerSecond*res.DurationSeconds, res.Received)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.sources) != 2 {
		t.Fatalf("source addresses %v, want 2", h.sources)
	}
}

// Echoes over TLS in fragments with a ping inside, larger than the
// receive buffer and than a TLS record, are matched whole and the pings
// answered (the pongs go out through crypto/tls too).
func TestURingWSSFragmentedLargeEcho(t *testing.T) {
	uringOrSkip(t)
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := servePeer(t, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), false)
	sizes, _ := ParseSizes("20:1,50k:1")
	r := &Run{Dial: Dial{URL: "wss://" + ln.Addr().String() + "/", Conns: 3, TLSConfig: &tls.Config{RootCAs: pool}},
		InFlight: 2, Sizes: sizes, Engine: "uring", Duration: 300 * time.Millisecond}
	res, err := startBounded(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Received < 10 || res.Errors != 0 || res.UnexpectedCloses != 0 || res.Unsolicited != 0 {
		t.Fatalf("result %+v", res)
	}
	if p.pongs.Load() < res.Received {
		t.Fatalf("%d pongs for %d echoes", p.pongs.Load(), res.Received)
	}
}

// A server whose certificate the client does not trust fails every dial
// with a certificate error, at once: no hang, no connection counted.
func TestURingWSSHandshakeFails(t *testing.T) {
	uringOrSkip(t)
	cert, _ := selfSigned(t)
	_, otherPool := selfSigned(t) // trusts another CA
	url, _ := tlsLoopEcho(t, cert)
	for name, cfg := range map[string]*tls.Config{"other CA": {RootCAs: otherPool}, "system roots": nil} {
		r := &Run{Dial: Dial{URL: url, Conns: 3, TLSConfig: cfg}, Engine: "uring", Duration: 100 * time.Millisecond}
		res, err := startBounded(t, r)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: result %+v, error %v: want a certificate error", name, res, err)
		}
	}
}

// A server that breaks the protocol over TLS fails its connections:
// counted as unexpected closes, their messages lost, nothing hangs.
func TestURingWSSProtocolError(t *testing.T) {
	uringOrSkip(t)
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	servePeer(t, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), true)
	r := &Run{Dial: Dial{URL: "wss://" + ln.Addr().String() + "/", Conns: 4, TLSConfig: &tls.Config{RootCAs: pool}},
		InFlight: 2, Engine: "uring", Duration: 200 * time.Millisecond}
	res, err := startBounded(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Received != 0 || res.UnexpectedCloses != 4 || res.Sent != 0 && res.Lost == 0 {
		t.Fatalf("result %+v: want 4 failed connections", res)
	}
}

// A wss:// dial of the uring engine leaves crypto/tls for the record
// layer after the handshake when the configuration keeps no sessions,
// and stays with crypto/tls when it does (so that sessions resume); a
// run echoes on both.
func TestURingWSSRecordLayer(t *testing.T) {
	uringOrSkip(t)
	cert, pool := selfSigned(t)
	url, _ := tlsLoopEcho(t, cert)
	for _, keep := range []bool{false, true} {
		cfg := &tls.Config{RootCAs: pool}
		if keep {
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		}
		r := &Run{Dial: Dial{URL: url, Conns: 4, TLSConfig: cfg}, InFlight: 1, Engine: "uring",
			Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond}
		u, err := neturl.Parse(url)
		if err != nil {
			t.Fatal(err)
		}
		c, err := r.dialOne(context.Background(), u, uringTLSConfig(cfg, u), 0)
		if err != nil {
			t.Fatal(err)
		}
		_ = unix.Close(c.fd)
		if (c.rec != nil) == keep || (c.tls != nil) != keep {
			t.Fatalf("sessions kept %v: record layer %v, tls.Conn %v", keep, c.rec != nil, c.tls != nil)
		}
		sizes, _ := ParseSizes("32:3,20000:1")
		r.Sizes = sizes
		res, err := startBounded(t, r)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, res)
		if res.Connected != 4 || res.Received == 0 || res.Errors != 0 || res.Mismatched != 0 || res.UnexpectedCloses != 0 {
			t.Fatalf("sessions kept %v: run %+v", keep, res)
		}
	}
}
