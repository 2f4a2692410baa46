// Package exttest holds the tests that every compression extension in
// ws/ext runs: codec round trips with random split points, echo through
// real connections, decompression bombs and negotiation tables.
package exttest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/xor"
)

// Pair negotiates client against server as a handshake would and returns
// the client's and the server's codecs (nil, nil if the server declined)
// and the server's answer.
func Pair(t testing.TB, client, server ws.Extension) (cc, sc ws.Codec, answer string) {
	t.Helper()
	offer := ws.FormatExtensions(client.Offers())
	answer, sc, err := ws.NegotiateExtensions([]string{offer}, []ws.Extension{server})
	if err != nil {
		t.Fatalf("offer %q: %v", offer, err)
	}
	if sc == nil {
		return nil, nil, ""
	}
	ans, err := ws.ParseExtensions([]string{answer})
	if err != nil || len(ans) != 1 {
		t.Fatalf("answer %q: %v", answer, err)
	}
	if cc, err = client.Accepted(ans[0]); err != nil {
		t.Fatalf("offer %q, answer %q refused: %v", offer, answer, err)
	}
	return cc, sc, answer
}

// Message returns a random message of about n bytes: JSON-like text,
// repetitive text, random bytes, or UTF-8 text, by kind (0–3).
func Message(rng *rand.Rand, kind, n int) []byte {
	b := make([]byte, 0, n+64)
	switch kind {
	case 0:
		for len(b) < n {
			b = fmt.Appendf(b, `{"id":%d,"user":"user%d","event":"update","tags":["a","b%d"],"value":%.3f},`,
				rng.IntN(100000), rng.IntN(50), rng.IntN(9), rng.Float64()*100)
		}
	case 1:
		for len(b) < n {
			b = append(b, "abcabcabd"[:1+rng.IntN(9)]...)
		}
	case 2:
		for len(b) < n {
			b = append(b, byte(rng.Uint32()))
		}
	default:
		for len(b) < n {
			b = append(b, []string{"κόσμε ", "🚀", "hello ", "é"}[rng.IntN(4)]...)
		}
	}
	if kind != 2 { // cut at a rune boundary
		for len(b) > n && n > 0 && b[n]&0xc0 == 0x80 {
			n++
		}
	}
	return b[:min(n, len(b))]
}

// Sizes are message sizes worth trying: empty, around typical thresholds
// and buffer sizes, and large.
var Sizes = []int{0, 1, 5, 127, 128, 300, 1000, 4095, 4096, 33000, 70000, 300000}

// CodecRoundTrip sends msgs from enc to dec, each encoded in random pieces
// and its encoding decoded in random pieces, and checks what comes out.
// Messages the encoder would send as they are take that path.
func CodecRoundTrip(t testing.TB, enc, dec ws.Codec, rng *rand.Rand, msgs [][]byte) {
	t.Helper()
	for i, m := range msgs {
		if !enc.Encodes(ws.OpBinary, len(m)) && rng.IntN(2) == 0 {
			continue
		}
		var z []byte
		var err error
		if rng.IntN(2) == 0 {
			z, err = enc.Encode(nil, m, true)
		} else {
			for p := m; ; {
				k := min(len(p), rng.IntN(len(m)+1))
				if z, err = enc.Encode(z, p[:k], k == len(p)); err != nil || k == len(p) {
					break
				}
				p = p[k:]
			}
		}
		if err != nil {
			t.Fatalf("message %d (%d bytes): encode: %v", i, len(m), err)
		}
		got, err := DecodePieces(dec, z, rng, -1)
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d (%d bytes, %d encoded): got %d bytes, %v", i, len(m), len(z), len(got), err)
		}
	}
}

// DecodePieces decodes z as one message cut at random points.
func DecodePieces(dec ws.Codec, z []byte, rng *rand.Rand, limit int64) ([]byte, error) {
	var out []byte
	for {
		k := len(z)
		if rng != nil {
			k = min(len(z), rng.IntN(len(z)+1))
		}
		var err error
		lim := limit
		if limit >= 0 {
			lim = max(limit-int64(len(out)), 0)
		}
		out, err = dec.Decode(out, z[:k], k == len(z), lim)
		if err != nil || k == len(z) {
			return out, err
		}
		z = z[k:]
	}
}

// Bomb decodes z, a message that inflates far beyond limit, and checks
// that Decode stops with ws.ErrMessageTooBig having produced at most limit
// plus one chunk (the codec's unit of output), and allocating not much
// more than that and state, the decompressor's own (a decompressor
// stopped early is not reused, so every bomb pays for a new one).
func Bomb(t testing.TB, dec ws.Codec, z []byte, limit, chunk, state int64) {
	t.Helper()
	// A first decode warms the codec's pools (no GC in between, which
	// would empty them): what is measured is the cost of one message.
	_, _ = dec.Decode(nil, z, true, limit)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	out, err := dec.Decode(nil, z, true, limit)
	runtime.ReadMemStats(&m1)
	if !errors.Is(err, ws.ErrMessageTooBig) {
		t.Fatalf("bomb of %d bytes: %d bytes out, err %v", len(z), len(out), err)
	}
	if int64(len(out)) > limit+chunk {
		t.Fatalf("produced %d bytes for a limit of %d", len(out), limit)
	}
	if alloc := int64(m1.TotalAlloc - m0.TotalAlloc); alloc > 4*(limit+chunk)+state+4<<20 { // slack: -race drops pooled items
		t.Fatalf("allocated %d bytes for a limit of %d", alloc, limit)
	}
}

// Negotiate runs a negotiation table against server: each row is a
// client's offer header and the server's expected answer ("" when it
// declines).
func Negotiate(t *testing.T, server ws.Extension, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		offer, want := c[0], c[1]
		ans, codec, err := ws.NegotiateExtensions([]string{offer}, []ws.Extension{server})
		if err != nil || ans != want || (codec == nil) != (want == "") {
			t.Errorf("offer %q: answer %q (codec %v, err %v), want %q", offer, ans, codec != nil, err, want)
		}
	}
}

// Answers checks which answers client accepts (ok) or refuses.
func Answers(t *testing.T, client ws.Extension, answers map[string]bool) {
	t.Helper()
	for a, ok := range answers {
		ans, err := ws.ParseExtensions([]string{a})
		if err != nil || len(ans) != 1 {
			t.Fatalf("bad test answer %q", a)
		}
		codec, err := client.Accepted(ans[0])
		if (err == nil) != ok || (ok && codec == nil) {
			t.Errorf("answer %q: codec %v, err %v; want ok %v", a, codec != nil, err, ok)
		}
	}
}

// FuzzNegotiation checks, for any offer header, that negotiation never
// panics and that an answer parses again; the answer then goes through
// the extension's client side, which must not panic either.
func FuzzNegotiation(t *testing.T, server ws.Extension, header string) {
	ans, codec, err := ws.NegotiateExtensions([]string{header}, []ws.Extension{server})
	if err != nil || codec == nil {
		return
	}
	parsed, err := ws.ParseExtensions([]string{ans})
	if err != nil || len(parsed) != 1 || !strings.EqualFold(parsed[0].Name, server.Name()) {
		t.Fatalf("%q answered %q: %v", header, ans, err)
	}
	_, _ = server.Accepted(parsed[0])
}

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// Serve runs an echo server with opts on a loopback listener until the
// test ends and returns its ws:// URL.
func Serve(t testing.TB, opts *ws.Options) string {
	t.Helper()
	return ServeHandler(t, echo{}, opts)
}

// ServeHandler is Serve with another handler.
func ServeHandler(t testing.TB, h ws.Handler, opts *ws.Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: h, Options: opts}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { srv.ServeConn(ctx, nc) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
		cancel()
		wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/"
}

// Dial connects to url with opts, closing the connection when the test ends.
func Dial(t testing.TB, url string, opts *ws.Options) *ws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(ws.StatusNormalClosure, "") })
	return c
}

// Echo sends n random messages on c, whole or streamed through NextWriter
// in random pieces, and checks the echo, read whole or through NextReader.
func Echo(t testing.TB, c *ws.Conn, rng *rand.Rand, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		kind := rng.IntN(4)
		m := Message(rng, kind, Sizes[rng.IntN(len(Sizes))])
		op := ws.OpText
		if kind == 2 {
			op = ws.OpBinary
		}
		if rng.IntN(2) == 0 {
			if err := c.WriteMessage(ctx, op, m); err != nil {
				t.Fatal(err)
			}
		} else {
			w, err := c.NextWriter(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			for p := m; len(p) > 0; {
				k := min(len(p), 1+rng.IntN(len(m)))
				if _, err := w.Write(p[:k]); err != nil {
					t.Fatal(err)
				}
				p = p[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		var gotOp ws.Opcode
		var got []byte
		var err error
		if rng.IntN(2) == 0 {
			gotOp, got, err = c.ReadMessage(ctx)
		} else {
			var r io.Reader
			if gotOp, r, err = c.NextReader(ctx); err == nil {
				got, err = io.ReadAll(r)
			}
		}
		if err != nil || gotOp != op || !bytes.Equal(got, m) {
			t.Fatalf("message %d: sent %v %d bytes, got %v %d bytes, %v", i, op, len(m), gotOp, len(got), err)
		}
	}
}

// RawBomb sends payload with RSV1 set as one binary message on a
// hand-made connection to url that offers ext, and checks that the server
// closes with want (1009 for a bomb).
func RawBomb(t testing.TB, url, ext string, payload []byte, want ws.StatusCode) {
	t.Helper()
	if got := RawFrames(t, url, ext, []ws.Header{{Fin: true, Rsv: ws.Rsv1, Op: ws.OpBinary}}, [][]byte{payload}); got != want {
		t.Fatalf("closed with %v, want %v", got, want)
	}
}

// RawFrames opens a hand-made connection to url offering ext (which the
// server must accept), sends frames[i] with payloads[i] masked as a client
// (Masked, Key and Length are set here), and returns the code of the close
// frame the server answers with.
func RawFrames(t testing.TB, url, ext string, frames []ws.Header, payloads [][]byte) ws.StatusCode {
	t.Helper()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: " + ext + "\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	accepted := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		accepted = accepted || strings.HasPrefix(strings.ToLower(line), "sec-websocket-extensions:")
	}
	if !accepted {
		t.Fatalf("server did not accept %q", ext)
	}
	var out []byte
	key := [4]byte{9, 8, 7, 6}
	for i, h := range frames {
		h.Masked, h.Key, h.Length = true, key, int64(len(payloads[i]))
		out = ws.AppendHeader(out, h)
		n := len(out)
		out = append(out, payloads[i]...)
		xor.Mask(out[n:], key, 0)
	}
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient, AllowedRsv: ws.Rsv1})
	buf := make([]byte, 4096)
	for {
		k, err := br.Read(buf)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		for in := buf[:k]; len(in) > 0; {
			used, ev, err := p.Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			in = in[used:]
			if ev.Kind == ws.EventClose {
				return ev.Code
			}
		}
	}
}
