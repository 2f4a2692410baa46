package wsloop_test

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"hash"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// recordHalf is one direction of a TLS 1.3 record layer, written out
// here (RFC 8446 5.2, 5.3, 7.1-7.3) so that the test can send what
// crypto/tls cannot be asked to: a KeyUpdate.
type recordHalf struct {
	hash   func() hash.Hash
	suite  uint16
	secret []byte
	aead   cipher.AEAD
	iv     []byte
	seq    uint64
}

func expandLabel(t *testing.T, h func() hash.Hash, secret []byte, label string, n int) []byte {
	t.Helper()
	info := binary.BigEndian.AppendUint16(nil, uint16(n))
	info = append(info, byte(len("tls13 "+label)))
	info = append(info, "tls13 "+label...)
	info = append(info, 0)
	out, err := hkdf.Expand(h, secret, string(info), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newRecordHalf(t *testing.T, suite uint16, secret []byte, seq uint64) *recordHalf {
	t.Helper()
	r := &recordHalf{hash: sha256.New, suite: suite, secret: secret, seq: seq}
	keyLen := 16
	switch suite {
	case tls.TLS_AES_128_GCM_SHA256:
	case tls.TLS_AES_256_GCM_SHA384:
		r.hash, keyLen = sha512.New384, 32
	case tls.TLS_CHACHA20_POLY1305_SHA256:
		keyLen = chacha20poly1305.KeySize
	default:
		t.Fatalf("suite %x", suite)
	}
	key := expandLabel(t, r.hash, secret, "key", keyLen)
	r.iv = expandLabel(t, r.hash, secret, "iv", 12)
	var err error
	if suite == tls.TLS_CHACHA20_POLY1305_SHA256 {
		r.aead, err = chacha20poly1305.New(key)
	} else {
		var b cipher.Block
		if b, err = aes.NewCipher(key); err == nil {
			r.aead, err = cipher.NewGCM(b)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// next is the half after a KeyUpdate.
func (r *recordHalf) next(t *testing.T) *recordHalf {
	return newRecordHalf(t, r.suite, expandLabel(t, r.hash, r.secret, "traffic upd", r.hash().Size()), 0)
}

func (r *recordHalf) nonce() []byte {
	n := append([]byte(nil), r.iv...)
	for i := range 8 {
		n[4+i] ^= byte(r.seq >> (56 - 8*i))
	}
	r.seq++
	return n
}

func (r *recordHalf) seal(typ byte, p []byte) []byte {
	n := len(p) + 1 + r.aead.Overhead()
	hdr := []byte{23, 3, 3, byte(n >> 8), byte(n)}
	return r.aead.Seal(hdr, r.nonce(), append(append([]byte(nil), p...), typ), hdr)
}

// open reads one record from rd and opens it.
func (r *recordHalf) open(t *testing.T, rd io.Reader) (typ byte, p []byte) {
	t.Helper()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(rd, hdr); err != nil {
		t.Fatalf("reading a record: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
	if _, err := io.ReadFull(rd, body); err != nil {
		t.Fatalf("reading a record: %v", err)
	}
	pt, err := r.aead.Open(nil, r.nonce(), body, hdr)
	if err != nil {
		t.Fatalf("opening record %d: %v", r.seq-1, err)
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		t.Fatal("a record of padding only")
	}
	return pt[i], pt[:i]
}

// TestReview14ClientKeyUpdate: the server asks for a key update (a
// KeyUpdate with update_requested) after the upgrade and goes on under
// its next key. The loop's client, on its own record layer (no session
// cache) and with crypto/tls (a cache), follows the server's new key and
// answers with a KeyUpdate of its own under its old key before its next
// data, which comes under its new one.
func TestReview14ClientKeyUpdate(t *testing.T) {
	srvCert, pool := wsloop.NewTestCert(t, "server")
	for _, cache := range []bool{false, true} {
		t.Run(cacheName(cache), func(t *testing.T) {
			ln, cl := loopTLSClient(t, pool, cache)
			dialed, nc := dialAccept(t, cl, ln, newEcho())
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			keys := &keyLines{}
			// No tickets: the server's first record under its
			// application key is the 101.
			tc := tls.Server(nc, &tls.Config{Certificates: []tls.Certificate{srvCert}, SessionTicketsDisabled: true, KeyLogWriter: keys})
			br := bufio.NewReader(tc)
			resp := switchProtocols(t, br)
			if _, err := io.WriteString(tc, resp); err != nil {
				t.Fatal(err)
			}
			if err := <-dialed; err != nil {
				t.Fatal(err)
			}
			st := tc.ConnectionState()
			if st.Version != tls.VersionTLS13 || br.Buffered() > 0 {
				t.Fatalf("version %x, %d bytes buffered", st.Version, br.Buffered())
			}
			// From here the test is the server's record layer: the
			// client sent one record (the request), the server one (the
			// 101).
			out := newRecordHalf(t, st.CipherSuite, keys.secret(t, "SERVER_TRAFFIC_SECRET_0"), 1)
			in := newRecordHalf(t, st.CipherSuite, keys.secret(t, "CLIENT_TRAFFIC_SECRET_0"), 1)
			wire := out.seal(22, []byte{24, 0, 0, 1, 1}) // KeyUpdate, update_requested
			out = out.next(t)
			wire = append(wire, out.seal(23, []byte{0x81, 2, 'h', 'i'})...) // a text message, under the next key
			if _, err := nc.Write(wire); err != nil {
				t.Fatal(err)
			}
			typ, p := in.open(t, nc)
			if typ != 22 || string(p) != string([]byte{24, 0, 0, 1, 0}) {
				t.Fatalf("the client's first record: type %d %x, want its KeyUpdate", typ, p)
			}
			in = in.next(t)
			typ, p = in.open(t, nc)
			if typ != 23 || len(p) != 8 || p[0] != 0x81 || p[1] != 0x82 {
				t.Fatalf("the client's echo: type %d %x", typ, p)
			}
			if got := string([]byte{p[6] ^ p[2], p[7] ^ p[3]}); got != "hi" {
				t.Fatalf("echo %q", got)
			}
		})
	}
}

// TestReview14ServerKeyUpdate: the same from the client's side against
// the loop's server, whose TLS 1.3 connections run on its own record
// layer: a KeyUpdate with update_requested and a message under the
// client's next key are followed, answered with the server's KeyUpdate,
// and echoed under the server's next key.
func TestReview14ServerKeyUpdate(t *testing.T) {
	cert, pool := wsloop.NewTestCert(t, "server")
	// No tickets: the server's first record under its application key
	// is the 101.
	u, _, _ := serveTLS(t, newEcho(), nil, &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true})
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "wss://"), "/echo")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	keys := &keyLines{}
	tc := tls.Client(nc, &tls.Config{RootCAs: pool, ServerName: "localhost", KeyLogWriter: keys})
	upgrade(t, tc, u) // one record each way; reads the 101 line
	st := tc.ConnectionState()
	if st.Version != tls.VersionTLS13 {
		t.Fatalf("version %x", st.Version)
	}
	out := newRecordHalf(t, st.CipherSuite, keys.secret(t, "CLIENT_TRAFFIC_SECRET_0"), 1)
	in := newRecordHalf(t, st.CipherSuite, keys.secret(t, "SERVER_TRAFFIC_SECRET_0"), 1)
	wire := out.seal(22, []byte{24, 0, 0, 1, 1})
	out = out.next(t)
	wire = append(wire, out.seal(23, []byte{0x81, 0x82, 0, 0, 0, 0, 'h', 'i'})...) // masked, mask 0
	if _, err := nc.Write(wire); err != nil {
		t.Fatal(err)
	}
	typ, p := in.open(t, nc)
	if typ != 22 || string(p) != string([]byte{24, 0, 0, 1, 0}) {
		t.Fatalf("the server's first record: type %d %x, want its KeyUpdate", typ, p)
	}
	in = in.next(t)
	typ, p = in.open(t, nc)
	if typ != 23 || string(p) != string([]byte{0x81, 2, 'h', 'i'}) {
		t.Fatalf("the server's echo: type %d %x", typ, p)
	}
}
