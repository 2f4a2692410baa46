package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/xor"
)

func TestParseExtensions(t *testing.T) {
	good := []struct {
		in   []string
		want []ExtensionOffer
	}{
		{[]string{"permessage-deflate"}, []ExtensionOffer{{Name: "permessage-deflate"}}},
		{[]string{"permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=10"},
			[]ExtensionOffer{
				{Name: "permessage-deflate", Params: []ExtensionParam{{Name: "client_max_window_bits"}}},
				{Name: "permessage-deflate", Params: []ExtensionParam{{Name: "server_max_window_bits", Value: "10"}}},
			}},
		{[]string{`a;x="12" ; y = 3`, " , b ,"}, []ExtensionOffer{
			{Name: "a", Params: []ExtensionParam{{Name: "x", Value: "12"}, {Name: "y", Value: "3"}}},
			{Name: "b"},
		}},
		{[]string{`a; x="\1\2"`}, []ExtensionOffer{{Name: "a", Params: []ExtensionParam{{Name: "x", Value: "12"}}}}},
		{[]string{""}, nil},
	}
	for _, c := range good {
		got, err := ParseExtensions(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := []string{";x", "a;", "a; =1", "a; x=", `a; x="1`, `a; x="a b"`, `a; x="1\`, "a b", "a; x=1 2", "a=1", "a;x=\"\""}
	for _, in := range bad {
		if got, err := ParseExtensions([]string{in}); !errors.Is(err, ErrBadExtensions) {
			t.Errorf("%q: accepted as %+v", in, got)
		}
	}
	many := bytes.Repeat([]byte("a,"), maxExtensionElements+1)
	if _, err := ParseExtensions([]string{string(many)}); err == nil {
		t.Error("no limit on the number of extensions")
	}
}

func TestExtensionOfferString(t *testing.T) {
	o := ExtensionOffer{Name: "x", Params: []ExtensionParam{{Name: "a"}, {Name: "b", Value: "1"}}}
	if got := o.String(); got != "x; a; b=1" {
		t.Fatal(got)
	}
	if v, ok := o.Param("B"); !ok || v != "1" {
		t.Fatal(v, ok)
	}
	if _, ok := o.Param("c"); ok {
		t.Fatal("found a missing parameter")
	}
}

func FuzzParseExtensions(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-webkit-deflate-frame")
	f.Add(`a; b="c", d`)
	f.Fuzz(func(t *testing.T, s string) {
		offers, err := ParseExtensions([]string{s})
		if err != nil {
			return
		}
		again, err := ParseExtensions([]string{FormatExtensions(offers)})
		if err != nil || len(again) != len(offers) || (len(offers) > 0 && !reflect.DeepEqual(again, offers)) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, offers, FormatExtensions(offers), again, err)
		}
	})
}

// testExt is a toy per-message extension for the tests: run-length
// encoding ("x-test-rle"), which can expand a little input a lot (for the
// decoded-size limit). Parameter "min=N" sets the size below which
// messages go out as they are; the server echoes the offer's parameters.
type testExt struct {
	min    int
	shared bool // codecs are SharedCodecs
}

func (e testExt) Name() string { return "x-test-rle" }

func (e testExt) Offers() []ExtensionOffer {
	return []ExtensionOffer{{Name: "x-test-rle", Params: []ExtensionParam{{Name: "min", Value: strconv.Itoa(e.min)}}}}
}

func (e testExt) Accept(offers []ExtensionOffer) (ExtensionOffer, Codec, bool, error) {
	for _, o := range offers {
		if v, ok := o.Param("bad"); ok {
			return ExtensionOffer{}, nil, false, errors.New("bad parameter " + v)
		}
		if _, ok := o.Param("decline"); ok {
			continue
		}
		return o, e.codec(), true, nil
	}
	return ExtensionOffer{}, nil, false, nil
}

func (e testExt) Accepted(ans ExtensionOffer) (Codec, error) {
	if _, ok := ans.Param("bad"); ok {
		return nil, errors.New("bad answer")
	}
	return e.codec(), nil
}

func (e testExt) codec() Codec {
	if e.shared {
		return &sharedRLE{rleCodec{min: e.min}}
	}
	return &rleCodec{min: e.min}
}

type sharedRLE struct{ rleCodec }

var sharedEncodes atomic.Int64

func (c *sharedRLE) ShareKey() string { return "rle" }
func (c *sharedRLE) Encode(dst, p []byte, final bool) ([]byte, error) {
	sharedEncodes.Add(1)
	return c.rleCodec.Encode(dst, p, final)
}

// rleCodec encodes a message as (count, byte) pairs.
type rleCodec struct {
	min     int
	pending []byte // an odd byte of a pair split across pieces
}

func (c *rleCodec) Rsv() byte                     { return Rsv1 }
func (c *rleCodec) Encodes(op Opcode, n int) bool { return n < 0 || n >= c.min }

func (c *rleCodec) Encode(dst, p []byte, final bool) ([]byte, error) {
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j] == p[i] && j-i < 255 {
			j++
		}
		dst = append(dst, byte(j-i), p[i])
		i = j
	}
	return dst, nil
}

func (c *rleCodec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	start := len(dst)
	in := append(c.pending, p...)
	c.pending = c.pending[:0]
	for len(in) >= 2 {
		if in[0] == 0 {
			return dst, errors.New("zero run")
		}
		for k := 0; k < int(in[0]); k++ {
			dst = append(dst, in[1])
		}
		in = in[2:]
		if limit >= 0 && int64(len(dst)-start) > limit {
			return dst, ErrMessageTooBig
		}
	}
	c.pending = append(c.pending, in...)
	if final && len(c.pending) > 0 {
		return dst, errors.New("truncated pair")
	}
	return dst, nil
}

func TestNegotiateExtensions(t *testing.T) {
	exts := []Extension{testExt{}}
	ans, codec, err := NegotiateExtensions([]string{"foo, x-test-rle; decline", "X-Test-RLE; min=3"}, exts)
	if err != nil || codec == nil || ans != "X-Test-RLE; min=3" {
		t.Fatalf("%q %v %v", ans, codec, err)
	}
	if ans, codec, err := NegotiateExtensions([]string{"x-test-rle; decline"}, exts); err != nil || codec != nil || ans != "" {
		t.Fatalf("declined offer accepted: %q %v %v", ans, codec, err)
	}
	if _, _, err := NegotiateExtensions([]string{"x-test-rle; bad=1"}, exts); !errors.Is(err, ErrHandshake) {
		t.Fatal(err)
	}
	if _, _, err := NegotiateExtensions([]string{"x-test-rle;;"}, exts); !errors.Is(err, ErrHandshake) {
		t.Fatal(err)
	}
	if _, codec, err := NegotiateExtensions([]string{"x-test-rle"}, nil); err != nil || codec != nil {
		t.Fatal("negotiated without configured extensions")
	}
}

func TestClientChecksExtensionAnswer(t *testing.T) {
	key := "dGhlIHNhbXBsZSBub25jZQ=="
	base := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	for _, c := range []struct {
		ext  string
		exts []Extension
		ok   bool
	}{
		{"x-test-rle; min=1", []Extension{testExt{}}, true},
		{"x-test-rle; min=1", nil, false},                         // not offered
		{"x-other", []Extension{testExt{}}, false},                // not offered
		{"x-test-rle, x-test-rle", []Extension{testExt{}}, false}, // two answers
		{"x-test-rle; bad", []Extension{testExt{}}, false},        // refused by the extension
		{"x-test-rle;", []Extension{testExt{}}, false},            // malformed
	} {
		in := base + "Sec-WebSocket-Extensions: " + c.ext + "\r\n\r\n"
		var resp Response
		if _, err := ParseResponse(&resp, []byte(in), HandshakeLimits{}); err != nil {
			t.Fatal(err)
		}
		neg, err := CheckResponse(&resp, key, nil, c.exts)
		if (err == nil) != c.ok || (c.ok && (neg.Codec == nil || neg.Extensions != c.ext)) {
			t.Errorf("%q: %+v %v", c.ext, neg, err)
		}
	}
}

// TestExtensionEcho runs messages of many sizes through a negotiated
// extension in both directions, whole and streamed, fragmented or not.
func TestExtensionEcho(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{Extensions: []Extension{testExt{min: 8}}})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, frag := range []int{0, 7, 1000} {
		c := dial(t, u, &Options{AutoFragmentSize: frag, Extensions: []Extension{testExt{min: 8}}})
		if c.Extensions() != "x-test-rle; min=8" {
			t.Fatalf("negotiated %q", c.Extensions())
		}
		ctx := context.Background()
		for _, n := range []int{0, 1, 7, 8, 100, 4096, 70000} {
			for _, op := range []Opcode{OpText, OpBinary} {
				msg := make([]byte, n)
				for i := range msg {
					msg[i] = 'a' + byte(rng.IntN(3)) // runs of random length
				}
				if err := c.WriteMessage(ctx, op, msg); err != nil {
					t.Fatal(err)
				}
				gotOp, got, err := c.ReadMessage(ctx)
				if err != nil || gotOp != op || !bytes.Equal(got, msg) {
					t.Fatalf("frag %d size %d %v: got %v %d bytes %v", frag, n, op, gotOp, len(got), err)
				}
				// The same through NextWriter and NextReader.
				w, err := c.NextWriter(ctx, op)
				if err != nil {
					t.Fatal(err)
				}
				for p := msg; len(p) > 0; {
					k := min(len(p), 1+rng.IntN(5000))
					if _, err := w.Write(p[:k]); err != nil {
						t.Fatal(err)
					}
					p = p[k:]
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				gotOp, r, err := c.NextReader(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got, err = io.ReadAll(r)
				if err != nil || gotOp != op || !bytes.Equal(got, msg) {
					t.Fatalf("streamed: frag %d size %d %v: got %v %d bytes %v", frag, n, op, gotOp, len(got), err)
				}
			}
		}
	}
}

// TestExtensionOnTheWire checks the RSV1 bit and the threshold below which
// messages are not encoded, from a raw client's point of view.
func TestExtensionOnTheWire(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{Extensions: []Extension{testExt{min: 8}}})
	r := dialRawExt(t, u, "x-test-rle")
	r.p.Reset(ParserConfig{Role: RoleClient, AllowedRsv: Rsv1})
	r.send(OpBinary, Rsv1, []byte{200, 'x'}) // 200 × 'x', encoded
	ev, msg, err := r.next()
	if err != nil || ev.Rsv != Rsv1 || !bytes.Equal(msg, []byte{200, 'x'}) {
		t.Fatalf("encoded echo: %+v %v %v", ev, msg, err)
	}
	r.send(OpBinary, 0, []byte("short")) // not encoded, and short
	ev, msg, err = r.next()
	if err != nil || ev.Rsv != 0 || string(msg) != "short" {
		t.Fatalf("plain echo: %+v %q %v", ev, msg, err)
	}
}

func TestExtensionDecodeLimits(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload []byte
		code    StatusCode
	}{
		// 20 × 255 bytes decoded from 40 bytes sent: over the 1000-byte limit.
		{"bomb", bytes.Repeat([]byte{255, 'x'}, 20), StatusMessageTooBig},
		{"corrupt", []byte{0, 'x'}, StatusInvalidFramePayloadData},
		{"bad utf8", []byte{1, 0xff}, StatusInvalidFramePayloadData},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newEcho()
			u, _ := startServer(t, h, &Options{MaxMessagePayload: 1000, Extensions: []Extension{testExt{}}})
			r := dialRawExt(t, u, "x-test-rle")
			op := OpBinary
			if c.name == "bad utf8" {
				op = OpText
			}
			r.send(op, Rsv1, c.payload)
			_, code := r.closeFrame()
			if code != c.code {
				t.Fatalf("closed with %v, want %v", code, c.code)
			}
			if _, gotCode, _ := h.waitClose(t); gotCode != c.code {
				t.Fatalf("server OnClose %v", gotCode)
			}
		})
	}
}

// TestRsvWithoutExtension: RSV1 on a connection that negotiated nothing is
// a protocol error even when the server has extensions configured.
func TestRsvWithoutExtension(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{Extensions: []Extension{testExt{}}})
	r := dialRawExt(t, u, "")
	r.send(OpBinary, Rsv1, []byte{1, 'x'})
	if _, code := r.closeFrame(); code != StatusProtocolError {
		t.Fatalf("closed with %v", code)
	}
}

// TestPreparedEncodedOnce: a prepared message is encoded once for every
// connection whose codec shares its encoding, per connection otherwise.
func TestPreparedEncodedOnce(t *testing.T) {
	msg := bytes.Repeat([]byte("ab"), 500)
	for _, shared := range []bool{true, false} {
		pm := NewPreparedMessage(OpText, msg)
		ext := []Extension{testExt{shared: shared}}
		u, _ := startServer(t, &preparedHandler{pm: pm}, &Options{Extensions: ext})
		before := sharedEncodes.Load()
		for i := 0; i < 3; i++ {
			c := dial(t, u, &Options{Extensions: ext})
			op, p, err := c.ReadMessage(context.Background())
			if err != nil || op != OpText || !bytes.Equal(p, msg) {
				t.Fatal(op, len(p), err)
			}
		}
		pm.mu.Lock()
		n := len(pm.encoded)
		pm.mu.Unlock()
		if shared && (n != 1 || sharedEncodes.Load()-before != 1) {
			t.Fatalf("shared: %d encodings kept, %d encodes", n, sharedEncodes.Load()-before)
		}
		if !shared && n != 0 {
			t.Fatalf("not shared: %d encodings kept", n)
		}
	}
}

func TestWriteRefusesInvalidUTF8(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	ctx := context.Background()
	if err := c.WriteMessage(ctx, OpText, []byte{'a', 0xff}); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatal(err)
	}
	w, err := c.NextWriter(ctx, OpText)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte{'a', 0xe2, 0x82}) // cut inside a sequence
	if err := w.Close(); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatal(err)
	}
	// Nothing was sent: the connection still works.
	if err := c.WriteMessage(ctx, OpText, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "ok" {
		t.Fatal(string(p), err)
	}
}

// dialRawExt is dialRaw offering ext ("" for none) and checking that the
// server accepted exactly that.
func dialRawExt(t *testing.T, url, ext string) *rawClient {
	t.Helper()
	r := dialRawHeaders(t, url, map[string]string{"Sec-WebSocket-Extensions": ext})
	got := r.header["sec-websocket-extensions"]
	if (ext == "") != (got == "") {
		t.Fatalf("offered %q, answered %q", ext, got)
	}
	return r
}

func (r *rawClient) send(op Opcode, rsv byte, payload []byte) {
	r.t.Helper()
	key := [4]byte{1, 2, 3, 4}
	h := Header{Fin: true, Rsv: rsv, Op: op, Masked: true, Key: key, Length: int64(len(payload))}
	b := AppendHeader(nil, h)
	n := len(b)
	b = append(b, payload...)
	xor.Mask(b[n:], key, 0)
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// closeFrame reads until the server's close frame, returns it and closes
// the TCP connection.
func (r *rawClient) closeFrame() (Event, StatusCode) {
	r.t.Helper()
	for {
		ev, _, err := r.next()
		if err != nil {
			r.t.Fatalf("no close frame: %v", err)
		}
		if ev.Kind == EventClose {
			_ = r.nc.Close()
			return ev, ev.Code
		}
	}
}
