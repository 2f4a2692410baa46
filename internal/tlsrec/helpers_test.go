package tlsrec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/internal/testcert"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const ioTimeout = 20 * time.Second

// wireTap is the server's side of the wire during the handshake: what
// crypto/tls writes goes through the Capture too, and it reads through a
// RecordReader.
type wireTap struct {
	net.Conn
	cap *Capture
	rd  io.Reader
}

func tap(c net.Conn, capt *Capture) wireTap { return wireTap{c, capt, RecordReader(c)} }

func (w wireTap) Read(b []byte) (int, error) { return w.rd.Read(b) }

func (w wireTap) Write(b []byte) (int, error) {
	w.cap.Wrote(b)
	return w.Conn.Write(b)
}

// Transports of connPair.
const (
	viaPipe   = iota // net.Pipe: synchronous, no buffer
	viaSocket        // a unix socketpair: kernel buffers, no network
	viaTCP           // TCP loopback
)

// connPair returns a connected client and server end. Both are closed at
// the end of the test.
func connPair(t testing.TB, via int) (cli, srv net.Conn) {
	t.Helper()
	switch via {
	case viaPipe:
		cli, srv = net.Pipe()
	case viaSocket:
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		var conns [2]net.Conn
		for i, fd := range fds {
			f := os.NewFile(uintptr(fd), "socketpair")
			conns[i], err = net.FileConn(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		cli, srv = conns[0], conns[1]
	default:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		type res struct {
			c   net.Conn
			err error
		}
		ch := make(chan res, 1)
		go func() { c, err := ln.Accept(); ch <- res{c, err} }()
		cli, err = net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		r := <-ch
		if r.err != nil {
			cli.Close()
			t.Fatal(r.err)
		}
		srv = r.c
	}
	t.Cleanup(func() { cli.Close(); srv.Close() })
	return cli, srv
}

// server is the server's end after the handover: the raw connection and
// the record layer, and the input not opened yet.
type server struct {
	t   testing.TB
	raw net.Conn
	rc  *Conn
	in  []byte
}

// sendAsync seals p and writes it; the error arrives on the channel.
func (s *server) sendAsync(p []byte) <-chan error {
	out, err := s.rc.Seal(nil, p)
	return s.writeAsync(out, err)
}

func (s *server) writeAsync(out []byte, err error) <-chan error {
	ch := make(chan error, 1)
	if err != nil {
		ch <- err
		return ch
	}
	go func() {
		_ = s.raw.SetWriteDeadline(time.Now().Add(ioTimeout))
		_, err := s.raw.Write(out)
		ch <- err
	}()
	return ch
}

// read opens the peer's records until n bytes of application data came
// or Open failed; it returns the data and Open's error (nil if n came).
func (s *server) read(n int) ([]byte, error) {
	var got []byte
	buf := make([]byte, 32<<10)
	for {
		plain, used, err := s.rc.Open(s.in)
		got = append(got, plain...)
		s.in = s.in[:copy(s.in, s.in[used:])]
		if err != nil {
			return got, err
		}
		if len(got) >= n {
			return got, nil
		}
		if len(s.in) >= MaxRecord {
			s.t.Errorf("Open left %d bytes, not less than MaxRecord", len(s.in))
			return got, errors.New("unbounded input")
		}
		_ = s.raw.SetReadDeadline(time.Now().Add(ioTimeout))
		k, rerr := s.raw.Read(buf)
		s.in = append(s.in, buf[:k]...)
		if rerr != nil && k == 0 {
			return got, rerr
		}
	}
}

// handover runs a handshake between a crypto/tls client and server over
// conns, the server's followed by a Capture, and takes the server's
// connection over.
type handover struct {
	cli   *tls.Conn
	srv   *server
	capt  *Capture
	state tls.ConnectionState // the server's
}

func newHandover(t testing.TB, via int, srvCfg, cliCfg *tls.Config) *handover {
	t.Helper()
	cc, sc := connPair(t, via)
	capt := NewCapture(nil)
	srvCfg = srvCfg.Clone()
	srvCfg.KeyLogWriter = capt.KeyLogWriter()
	cli := tls.Client(cc, cliCfg)
	srv := tls.Server(tap(sc, capt), srvCfg)
	_ = cc.SetDeadline(time.Now().Add(ioTimeout))
	_ = sc.SetDeadline(time.Now().Add(ioTimeout))
	errc := make(chan error, 1)
	go func() { errc <- cli.Handshake() }()
	serr := srv.Handshake()
	if serr != nil {
		cc.Close()
	}
	cerr := <-errc
	if serr != nil || cerr != nil {
		t.Fatalf("handshake: server %v, client %v", serr, cerr)
	}
	_ = cc.SetDeadline(time.Time{})
	_ = sc.SetDeadline(time.Time{})
	st := srv.ConnectionState()
	rc, err := capt.Conn(st)
	if err != nil {
		t.Fatal(err)
	}
	return &handover{cli: cli, srv: &server{t: t, raw: sc, rc: rc}, capt: capt, state: st}
}

// testConfigs returns a server and client config trusting each other.
func testConfigs(t testing.TB) (srv, cli *tls.Config, ca *testcert.CA) {
	ca = testcert.NewCA(t)
	srv = &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}, MinVersion: tls.VersionTLS12}
	// Fixed ticket keys: newHandover clones the config, and a ticket
	// must open on the clone of the next connection.
	srv.SetSessionTicketKeys([][32]byte{{1, 2, 3}})
	cli = &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"}
	return srv, cli, ca
}

// pattern returns n bytes that differ by position and by seed.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>8) ^ seed
	}
	return b
}

// exchange sends messages of each size both ways through the handover.
func exchange(t *testing.T, h *handover, sizes ...int) {
	t.Helper()
	for i, n := range sizes {
		// server → client
		msg := pattern(n, byte(i))
		var errc <-chan error
		if n == 0 {
			// Seal sends nothing for nothing: send an empty record
			// by hand, and a byte after it.
			out, err := h.srv.rc.Seal(nil, nil)
			if err != nil || len(out) != 0 {
				t.Fatalf("Seal(nil) = %d bytes, %v", len(out), err)
			}
			out = h.srv.rc.AppendPending(nil)
			out = h.srv.rc.seal(out, typeApplicationData, nil)
			out, err = h.srv.rc.Seal(out, []byte{'z'})
			msg = []byte{'z'}
			errc = h.srv.writeAsync(out, err)
		} else {
			errc = h.srv.sendAsync(msg)
		}
		got := make([]byte, len(msg))
		_ = h.cli.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := io.ReadFull(h.cli, got); err != nil {
			t.Fatalf("size %d: client read: %v", n, err)
		}
		if err := <-errc; err != nil {
			t.Fatalf("size %d: server write: %v", n, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("size %d: client read different bytes", n)
		}
		if n == 0 {
			continue // crypto/tls sends no record for nothing
		}
		// client → server
		msg = pattern(n, byte(i+100))
		werr := make(chan error, 1)
		go func() {
			_ = h.cli.SetWriteDeadline(time.Now().Add(ioTimeout))
			_, err := h.cli.Write(msg)
			werr <- err
		}()
		got, err := h.srv.read(n)
		if err != nil {
			t.Fatalf("size %d: server read: %v", n, err)
		}
		if err := <-werr; err != nil {
			t.Fatalf("size %d: client write: %v", n, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("size %d: server read %d different bytes", n, len(got))
		}
	}
}

// closeBoth has the client send close_notify (Open reports io.EOF) and
// the server answer with its own (the client's Read reports io.EOF).
func closeBoth(t *testing.T, h *handover) {
	t.Helper()
	werr := make(chan error, 1)
	go func() { werr <- h.cli.CloseWrite() }()
	got, err := h.srv.read(1 << 30)
	if err != io.EOF || len(got) != 0 {
		t.Fatalf("server after close_notify: %q, %v; want io.EOF", got, err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	errc := h.srv.writeAsync(h.srv.rc.AppendCloseNotify(nil), nil)
	_ = h.cli.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := h.cli.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client after our close_notify: %d, %v; want io.EOF", n, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// mirror returns two Conns of suite id facing each other: srv reads
// what cli seals and the other way round, both at sequence 0.
func mirror(t testing.TB, id uint16) (srv, cli *Conn) {
	t.Helper()
	s := suiteByID(id)
	a, b := pattern(s.hashSz, 1), pattern(s.hashSz, 2)
	srv, err := New(id, bytes.Clone(a), bytes.Clone(b), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	cli, err = New(id, bytes.Clone(b), bytes.Clone(a), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return srv, cli
}

// inner is a TLSInnerPlaintext: content, its type, pad zeros.
func inner(content []byte, typ byte, pad int) []byte {
	b := append(bytes.Clone(content), typ)
	return append(b, make([]byte, pad)...)
}

// sealRaw appends a record of outer type outer protecting the whole
// TLSInnerPlaintext in under c's write key.
func sealRaw(c *Conn, dst []byte, outer byte, in []byte) []byte {
	h := &c.out
	n := len(in) + tagLen
	hdr := []byte{outer, 3, 3, byte(n >> 8), byte(n)}
	dst = append(dst, hdr...)
	nonce := h.nonce()
	dst = h.cipher(c.suite).Seal(dst, nonce[:], in, hdr)
	h.seq++
	return dst
}

// requestUpdate appends our KeyUpdate with update_requested and moves
// to our next key.
func requestUpdate(t testing.TB, c *Conn, dst []byte) []byte {
	dst = c.seal(dst, typeHandshake, []byte{handshakeKeyUpdate, 0, 0, 1, 1})
	if err := c.out.update(c.suite); err != nil {
		t.Fatal(err)
	}
	return dst
}

var allSuites = []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256}

// handshakeBoth runs the client's and the server's handshakes together.
func handshakeBoth(t testing.TB, cli, srv *tls.Conn) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- cli.Handshake() }()
	if err := srv.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
