package ws

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
)

// TestReview15bHeadByteByByteServer: ws.Server checks a request head that
// arrives a byte at a time in time linear in its size. It parsed the whole
// head again from its start after every read (some n²/2 bytes checked
// byte by byte for an n-byte head); each read now resumes where the last
// stopped.
func TestReview15bHeadByteByByteServer(t *testing.T) {
	var checked atomic.Int64
	serverhooks.HeadChecked = func(n int) { checked.Add(int64(n)) }
	defer func() { serverhooks.HeadChecked = nil }()
	u, _ := startServer(t, newEcho(), nil)
	head := "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"X-Pad: " + strings.Repeat("p", 4000) + "\r\n\r\n"
	status := testpeer.WriteByByte(t, strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"), head)
	if status != 101 {
		t.Fatalf("status %d, want 101", status)
	}
	// The 101 went out after the last check.
	if n := checked.Load(); n > 3*int64(len(head)) {
		t.Fatalf("a %d-byte head sent a byte at a time: %d bytes checked", len(head), n)
	}
}

// TestReview15bParseRequestResumed: parsing resumed after a prefix found
// incomplete (as the drivers do, a byte more each time) gives, for every
// prefix, what ParseRequest gives for it at once: the same length, the
// same refusal, at the same byte. Garbage is placed where a resumed check
// could miss it: a CR whose next byte came later, a method split across
// reads, a request line completed by the last byte.
func TestReview15bParseRequestResumed(t *testing.T) {
	const rest = "Host: x\r\nUpgrade: websocket\r\n\r\n"
	for _, in := range []string{
		"GET / HTTP/1.1\r\n" + rest,
		"GET / HTTP/1.0\r\n\r\nextra",
		"GET / HTTP/1.1\rX" + rest,
		"GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \x00x\r\n\r\n",
		"GE(T / HTTP/1.1\r\n" + rest,
		"GETGETGET\x01 / HTTP/1.1\r\n" + rest,
		" GET / HTTP/1.1\r\n" + rest,
		"GET / HTTP/2.0\r\n" + rest,
		"GET /a\x7fb HTTP/1.1\r\n" + rest,
		"GET /" + strings.Repeat("a", 300) + " HTTP/1.1\r\nX: " + strings.Repeat("b", 1200),
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	} {
		b := []byte(in)
		var req, once Request
		lim := HandshakeLimits{MaxHeaderBytes: 1 << 10}
		from := 0
		for k := 1; k <= len(b); k++ {
			n, err := parseRequest(&req, b[:k], lim, from)
			wn, werr := ParseRequest(&once, b[:k], lim)
			var he, whe *HandshakeError
			errors.As(err, &he)
			errors.As(werr, &whe)
			if n != wn || (err == nil) != (werr == nil) || (he == nil) != (whe == nil) || he != nil && (he.Status != whe.Status || he.Reason != whe.Reason) {
				t.Fatalf("%q, %d bytes, resumed after %d: %d, %v; at once: %d, %v", in, k, from, n, err, wn, werr)
			}
			if n > 0 || err != nil {
				break
			}
			from = k
		}
	}
}
