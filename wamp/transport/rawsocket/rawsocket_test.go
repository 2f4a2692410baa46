package rawsocket_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var all = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, ubjson.Serializer{}, flatbuffers.Serializer{}}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serve accepts one connection on ln and echoes every message back.
func serve(t *testing.T, ln net.Listener, opts rawsocket.ServerOptions) <-chan error {
	done := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer nc.Close()
		c, err := rawsocket.Accept(context.Background(), nc, opts)
		if err != nil {
			done <- err
			return
		}
		for {
			m, err := c.Recv(context.Background())
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				done <- err
				return
			}
			if err := c.Send(context.Background(), m); err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

func echo(t *testing.T, c *rawsocket.Conn) {
	t.Helper()
	ctx := ctxT(t)
	msg := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.echo", Args: wamp.List{"x", []byte{0, 1, 2}}}
	if err := c.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	m, err := c.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.(*wamp.Call)
	if !ok || got.Procedure != "com.echo" || !bytes.Equal(got.Args[1].([]byte), []byte{0, 1, 2}) {
		t.Fatalf("echo: %#v", m)
	}
}

func TestEchoTCPAllSerializers(t *testing.T) {
	for _, s := range all {
		t.Run(s.Name(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := serve(t, ln, rawsocket.ServerOptions{Serializers: all})
			c, err := rawsocket.Dial(ctxT(t), "tcp", ln.Addr().String(), rawsocket.Options{Serializer: s})
			if err != nil {
				t.Fatal(err)
			}
			if c.Serializer().Name() != s.Name() || c.MaxSendLen() != rawsocket.MaxFrameLen {
				t.Fatalf("negotiated %s, max %d", c.Serializer().Name(), c.MaxSendLen())
			}
			echo(t, c)
			c.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEchoUnix(t *testing.T) {
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := serve(t, ln, rawsocket.ServerOptions{Serializers: all})
	c, err := rawsocket.Dial(ctxT(t), "unix", ln.Addr().String(), rawsocket.Options{Serializer: cbor.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	echo(t, c)
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestEchoTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := tls.NewListener(inner, &tls.Config{Certificates: []tls.Certificate{cert}})
	defer ln.Close()
	done := serve(t, ln, rawsocket.ServerOptions{Serializers: all})
	c, err := rawsocket.Dial(ctxT(t), "tcp", inner.Addr().String(), rawsocket.Options{
		Serializer: msgpack.Serializer{},
		TLSConfig:  &tls.Config{RootCAs: pool, ServerName: "localhost"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := c.ConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS state")
	}
	echo(t, c)
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// pipeServer runs Accept on one end of a net.Pipe.
func pipe(t *testing.T, opts rawsocket.ServerOptions) (client net.Conn, server <-chan *rawsocket.Conn, errc <-chan error) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	sc := make(chan *rawsocket.Conn, 1)
	ec := make(chan error, 1)
	go func() {
		c, err := rawsocket.Accept(context.Background(), b, opts)
		if err != nil {
			ec <- err
			return
		}
		sc <- c
	}()
	return a, sc, ec
}

func TestHandshake(t *testing.T) {
	tests := []struct {
		name      string
		hello     []byte
		reply     []byte // nil: no reply expected
		serverErr error
	}{
		{"json 16M", []byte{0x7F, 0xF1, 0, 0}, []byte{0x7F, 0xF1, 0, 0}, nil},
		{"cbor 512", []byte{0x7F, 0x03, 0, 0}, []byte{0x7F, 0xF3, 0, 0}, nil},
		{"unknown serializer", []byte{0x7F, 0xF7, 0, 0}, []byte{0x7F, 0x10, 0, 0}, rawsocket.ErrSerializerUnsupported},
		{"zero serializer", []byte{0x7F, 0xF0, 0, 0}, []byte{0x7F, 0x10, 0, 0}, rawsocket.ErrSerializerUnsupported},
		{"reserved bits", []byte{0x7F, 0xF1, 0, 1}, []byte{0x7F, 0x30, 0, 0}, rawsocket.ErrReservedBits},
		{"bad magic", []byte{0x7E, 0xF1, 0, 0}, nil, rawsocket.ErrBadMagic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}})
			a.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := a.Write(tt.hello); err != nil {
				t.Fatal(err)
			}
			if tt.reply != nil {
				got := make([]byte, 4)
				if _, err := io.ReadFull(a, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.reply) {
					t.Fatalf("reply %x, want %x", got, tt.reply)
				}
			}
			select {
			case c := <-sc:
				if tt.serverErr != nil {
					t.Fatalf("accepted, want %v", tt.serverErr)
				}
				if c.MaxSendLen() != 1<<(9+int(tt.hello[1]>>4)) && c.MaxSendLen() != rawsocket.MaxFrameLen {
					t.Fatalf("MaxSendLen %d", c.MaxSendLen())
				}
			case err := <-ec:
				if !errors.Is(err, tt.serverErr) {
					t.Fatalf("server error %v, want %v", err, tt.serverErr)
				}
			}
		})
	}
}

func TestClientHandshakeErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply []byte
		want  error
	}{
		{"refused serializer", []byte{0x7F, 0x10, 0, 0}, rawsocket.ErrSerializerUnsupported},
		{"refused max conns", []byte{0x7F, 0x40, 0, 0}, &rawsocket.HandshakeError{Code: rawsocket.CodeMaxConnections}},
		{"bad magic", []byte{0x00, 0xF1, 0, 0}, rawsocket.ErrBadMagic},
		{"other serializer", []byte{0x7F, 0xF2, 0, 0}, rawsocket.ErrSerializerUnsupported},
		{"reserved", []byte{0x7F, 0xF1, 1, 0}, rawsocket.ErrReservedBits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			go func() {
				io.ReadFull(b, make([]byte, 4))
				b.Write(tt.reply)
			}()
			_, err := rawsocket.Client(ctxT(t), a, rawsocket.Options{Serializer: json.Serializer{}})
			var he *rawsocket.HandshakeError
			if errors.As(tt.want, &he) {
				var got *rawsocket.HandshakeError
				if !errors.As(err, &got) || got.Code != he.Code || !strings.Contains(err.Error(), "connection count") {
					t.Fatalf("err %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHandshakeTimeout(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	start := time.Now()
	_, err := rawsocket.Accept(context.Background(), b, rawsocket.ServerOptions{Serializers: all, HandshakeTimeout: 50 * time.Millisecond})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := rawsocket.Client(ctx, a, rawsocket.Options{Serializer: json.Serializer{}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled client handshake: %v", err)
	}
}

// connected returns a client and server Conn over a pipe.
func connected(t *testing.T, clientMax, serverMax int) (*rawsocket.Conn, *rawsocket.Conn) {
	a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: all, MaxMessageLen: serverMax})
	c, err := rawsocket.Client(ctxT(t), a, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: clientMax})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-sc:
		t.Cleanup(func() { c.Close(); s.Close() })
		return c, s
	case err := <-ec:
		t.Fatal(err)
	}
	return nil, nil
}

func TestMaxMessageLen(t *testing.T) {
	c, s := connected(t, 600, 1000)
	if c.MaxRecvLen() != 1024 || c.MaxSendLen() != 1024 || s.MaxSendLen() != 1024 {
		t.Fatalf("limits: client recv %d send %d, server send %d", c.MaxRecvLen(), c.MaxSendLen(), s.MaxSendLen())
	}
	big := &wamp.Publish{Request: 1, Topic: "t", Args: wamp.List{strings.Repeat("x", 2000)}}
	if err := c.Send(ctxT(t), big); !errors.Is(err, rawsocket.ErrMessageTooLarge) {
		t.Fatalf("oversized send: %v", err)
	}
	// A peer that ignores the limit is stopped on receive.
	raw := c.NetConn()
	go raw.Write([]byte{0, 0, 0x10, 0})
	if _, err := s.Recv(ctxT(t)); !errors.Is(err, rawsocket.ErrMessageTooLarge) {
		t.Fatalf("oversized recv: %v", err)
	}
}

func TestPingPong(t *testing.T) {
	c, s := connected(t, 0, 0)
	errc := make(chan error, 1)
	go func() { // the server only reads; Recv answers the PING
		_, err := s.Recv(context.Background())
		errc <- err
	}()
	recvDone := make(chan error, 1)
	go func() { // the client's reader hands the PONG to Ping
		_, err := c.Recv(context.Background())
		recvDone <- err
	}()
	if err := c.Ping(ctxT(t), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close()
	<-errc
	if err := <-recvDone; !errors.Is(err, rawsocket.ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

func TestRecvContextCancel(t *testing.T) {
	c, _ := connected(t, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv: %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		h   []byte
		t   rawsocket.FrameType
		n   int
		err error
	}{
		{[]byte{0, 0, 0, 5}, rawsocket.FrameRegular, 5, nil},
		{[]byte{1, 0xff, 0xff, 0xff}, rawsocket.FramePing, 1<<24 - 1, nil},
		{[]byte{2, 0, 1, 0}, rawsocket.FramePong, 256, nil},
		{[]byte{3, 0, 0, 0}, 0, 0, rawsocket.ErrBadFrameType},
		{[]byte{8, 0, 0, 0}, 0, 0, rawsocket.ErrReservedBits},
	}
	for _, tt := range tests {
		ft, n, err := rawsocket.ParseHeader(tt.h)
		if ft != tt.t || n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("ParseHeader(%x) = %d, %d, %v", tt.h, ft, n, err)
		}
		if err == nil && !bytes.Equal(rawsocket.AppendHeader(nil, ft, n), tt.h) {
			t.Errorf("AppendHeader(%d, %d) differs", ft, n)
		}
	}
}

// fakeConn reads from a fixed input and discards writes.
type fakeConn struct {
	net.Conn
	r io.Reader
}

func (f *fakeConn) Read(p []byte) (int, error)       { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error)      { return len(p), nil }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzRecv feeds arbitrary bytes after a valid handshake reply.
func FuzzRecv(f *testing.F) {
	f.Add([]byte{0, 0, 0, 8, '[', '1', '7', ',', '1', ',', '2', ']'})
	f.Add([]byte{1, 0, 0, 2, 'h', 'i', 2, 0, 0, 0, 0, 0, 0, 6, '[', '6', '7', ',', '1', ']'})
	f.Add([]byte{0, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		nc := &fakeConn{r: io.MultiReader(bytes.NewReader([]byte{0x7F, 0x01, 0, 0}), bytes.NewReader(in))}
		c, err := rawsocket.Client(context.Background(), nc, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: 4096})
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			if _, err := c.Recv(context.Background()); err != nil {
				return
			}
		}
	})
}

func ExampleDial() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		nc, _ := ln.Accept()
		defer nc.Close()
		s, _ := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
		m, err := s.Recv(context.Background())
		if err != nil {
			panic(err)
		}
		s.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{
			"realm": string(m.(*wamp.Hello).Realm), "roles": wamp.Dict{"dealer": wamp.Dict{}}}})
		s.Recv(context.Background()) // until the client closes
	}()
	ctx := context.Background()
	c, err := rawsocket.Dial(ctx, "tcp", ln.Addr().String(), rawsocket.Options{Serializer: json.Serializer{}})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}})
	m, _ := c.Recv(ctx)
	fmt.Println(m.(*wamp.Welcome).Details["realm"])
	// Output: realm1
}
