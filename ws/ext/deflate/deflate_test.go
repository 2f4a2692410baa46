package deflate

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	kflate "github.com/klauspost/compress/flate"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestRFC7692Examples decodes the examples of RFC 7692 §7.2.3 and checks
// that the compressor reproduces the ones it can.
func TestRFC7692Examples(t *testing.T) {
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	for _, c := range []struct {
		name string
		msgs [][]byte // compressed messages, decoded in order with context takeover
	}{
		{"7.2.3.1 one message", [][]byte{hello}},
		{"7.2.3.2 sharing the LZ77 window", [][]byte{hello, {0xf2, 0x00, 0x11, 0x00, 0x00}}},
		{"7.2.3.3 no compression", [][]byte{{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}}},
		{"7.2.3.4 BFINAL set", [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, hello}},
		{"7.2.3.5 two blocks", [][]byte{{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, split := range []bool{false, true} {
				dec := newCodec(config{decBits: 15})
				for i, z := range c.msgs {
					var rng *rand.Rand
					if split {
						rng = rand.New(rand.NewPCG(uint64(i), 7))
					}
					got, err := exttest.DecodePieces(dec, z, rng, 100)
					if err != nil || string(got) != "Hello" {
						t.Fatalf("message %d: %q %v", i, got, err)
					}
				}
			}
		})
	}
	// The second message of §7.2.3.2 comes out one byte shorter than the
	// RFC's: a single copy of 5 bytes at distance 5.
	enc, dec := newCodec(config{encBits: 15}), newCodec(config{decBits: 15})
	for i, want := range [][]byte{hello, {0x02, 0x13, 0x00, 0x00}} {
		got, _ := enc.Encode(nil, []byte("Hello"), true)
		if !bytes.Equal(got, want) {
			t.Errorf("message %d: compressed to % x, want % x", i, got, want)
		}
		if out, err := dec.Decode(nil, got, true, -1); err != nil || string(out) != "Hello" {
			t.Errorf("message %d: decoded to %q, %v", i, out, err)
		}
	}
	// An empty message: one empty stored block without its tail.
	if got, _ := newCodec(config{encBits: 15}).Encode(nil, nil, true); !bytes.Equal(got, []byte{0}) {
		t.Errorf("empty message compressed to % x", got)
	}
	if got, err := newCodec(config{decBits: 15}).Decode(nil, []byte{0}, true, -1); err != nil || len(got) != 0 {
		t.Errorf("empty message decoded to %q, %v", got, err)
	}
}

func TestNegotiation(t *testing.T) {
	def := New(Options{})
	exttest.Negotiate(t, def, [][2]string{
		{"permessage-deflate", "permessage-deflate"},
		{"permessage-deflate; client_max_window_bits", "permessage-deflate"},
		{"permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10"},
		{`permessage-deflate; client_max_window_bits="10"`, "permessage-deflate; client_max_window_bits=10"},
		{"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"},
		{"permessage-deflate; server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8"},
		{"permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"},
		{"PerMessage-Deflate; Server_No_Context_Takeover; CLIENT_NO_CONTEXT_TAKEOVER",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		// Invalid offers are declined, and the next one taken.
		{"permessage-deflate; server_max_window_bits", ""},
		{"permessage-deflate; server_max_window_bits=16", ""},
		{"permessage-deflate; server_max_window_bits=7", ""},
		{"permessage-deflate; server_max_window_bits=010", ""},
		{"permessage-deflate; client_max_window_bits=0x9", ""},
		{"permessage-deflate; server_no_context_takeover=1", ""},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", ""},
		{"permessage-deflate; client_max_window_bits; client_max_window_bits=9", ""},
		{"permessage-deflate; foo", ""},
		{"permessage-deflate; foo, permessage-deflate; server_max_window_bits=12",
			"permessage-deflate; server_max_window_bits=12"},
		{"permessage-deflate; server_max_window_bits=9; client_max_window_bits, permessage-deflate",
			"permessage-deflate; server_max_window_bits=9"},
		{"x-webkit-deflate-frame", ""},
	})
	small := New(Options{ServerMaxWindowBits: 11, ClientMaxWindowBits: 10, ServerNoContextTakeover: true, ClientNoContextTakeover: true})
	exttest.Negotiate(t, small, [][2]string{
		{"permessage-deflate",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11"},
		{"permessage-deflate; client_max_window_bits; server_max_window_bits=9",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10"},
		{"permessage-deflate; client_max_window_bits=9",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9"},
	})
}

func TestOffers(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, "permessage-deflate; client_max_window_bits"},
		{Options{ClientMaxWindowBits: 9, ClientNoContextTakeover: true},
			"permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		{Options{ServerMaxWindowBits: 10, ServerNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits, " +
				"permessage-deflate; server_no_context_takeover; client_max_window_bits"},
	} {
		if got := ws.FormatExtensions(New(c.o).Offers()); got != c.want {
			t.Errorf("%+v offers %q, want %q", c.o, got, c.want)
		}
	}
}

func TestClientChecksAnswer(t *testing.T) {
	exttest.Answers(t, New(Options{}), map[string]bool{
		"permessage-deflate": true,
		"permessage-deflate; server_no_context_takeover; client_no_context_takeover":    true,
		"permessage-deflate; server_max_window_bits=8; client_max_window_bits=15":       true,
		"permessage-deflate; client_max_window_bits":                                    false, // needs a value
		"permessage-deflate; server_max_window_bits":                                    false,
		"permessage-deflate; server_max_window_bits=16":                                 false,
		"permessage-deflate; client_no_context_takeover; client_no_context_takeover":    false,
		"permessage-deflate; unknown":                                                   false,
		"permessage-deflate; server_no_context_takeover=yes":                            false,
		"permessage-deflate; client_max_window_bits=09":                                 false,
		"permessage-deflate; server_max_window_bits=12; server_max_window_bits=12":      false,
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=9; x=1": false,
	})
	exttest.Answers(t, New(Options{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 9}), map[string]bool{
		"permessage-deflate; server_no_context_takeover":                           true,
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=9": true,
		"permessage-deflate; server_no_context_takeover; client_max_window_bits=8": true,
		"permessage-deflate": false, // server_no_context_takeover not granted
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=11": false,
		"permessage-deflate; server_no_context_takeover; client_max_window_bits=10": false,
	})
}

// configs are the option combinations the round trips cover.
func configs() []Options {
	var out []Options
	for _, nct := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		for _, bits := range [][2]int{{0, 0}, {8, 9}, {12, 10}} {
			for _, level := range []int{1, 6} {
				out = append(out, Options{
					ServerNoContextTakeover: nct[0], ClientNoContextTakeover: nct[1],
					ServerMaxWindowBits: bits[0], ClientMaxWindowBits: bits[1], Level: level,
				})
			}
		}
	}
	return append(out, Options{Level: 9, ServerNoContextTakeover: true, ClientNoContextTakeover: true, Threshold: -1})
}

// TestCodecRoundTrip negotiates every configuration as client and server
// and sends random messages both ways, in random pieces.
func TestCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, o := range configs() {
		cc, sc, ans := exttest.Pair(t, New(o), New(o))
		if cc == nil {
			t.Fatalf("%+v declined", o)
		}
		t.Run(ans, func(t *testing.T) {
			var msgs [][]byte
			for i := 0; i < 40; i++ {
				msgs = append(msgs, exttest.Message(rng, rng.IntN(4), exttest.Sizes[rng.IntN(len(exttest.Sizes))]))
			}
			exttest.CodecRoundTrip(t, cc, sc, rng, msgs)
			exttest.CodecRoundTrip(t, sc, cc, rng, msgs)
		})
	}
}

// TestEcho runs the configurations through real connections, fragmented or
// not, with the client's options differing from the server's.
func TestEcho(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cs := configs()
	for i, so := range cs {
		co := cs[(i*7+3)%len(cs)]
		frag := []int{0, 1000, 70000}[i%3]
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(so)}, AutoFragmentSize: frag})
			c := exttest.Dial(t, url, &ws.Options{Extensions: []ws.Extension{New(co)}, AutoFragmentSize: frag})
			if c.Extensions() == "" {
				t.Fatal("not negotiated")
			}
			exttest.Echo(t, c, rng, 40)
		})
	}
}

// TestLZAgainstReference decodes the small compressor's output with an
// independent inflater that also checks every distance against the
// window, and with compress/flate.
func TestLZAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for bits := 8; bits <= 15; bits++ {
		enc := newLZ(bits)
		var hist []byte
		for i := 0; i < 60; i++ {
			m := exttest.Message(rng, rng.IntN(4), rng.IntN(1<<uint(rng.IntN(18))))
			var z []byte
			pieces := rng.IntN(3) == 0
			if pieces {
				for p := m; ; {
					k := min(len(p), rng.IntN(len(p)+1))
					z = enc.encode(z, p[:k], k == len(p), false)
					if k == len(p) {
						break
					}
					p = p[k:]
				}
			} else {
				z = enc.encode(nil, m, true, true)
			}
			got, err := refInflate(z, hist, 1<<bits)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("bits %d message %d (%d bytes): %v\n% x\n%q\n%q", bits, i, len(m), err, z, m, got)
			}
			r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(z), bytes.NewReader(tail)), hist)
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, m) {
				t.Fatalf("compress/flate: bits %d message %d: %v", bits, i, err)
			}
			hist = append(hist, m...)
			hist = hist[max(0, len(hist)-(1<<bits)):]
			if !pieces && len(z) > storedSize(len(m)) {
				t.Fatalf("%d bytes compressed to %d", len(m), len(z))
			}
		}
	}
}

// refInflate is a plain, slow inflater written from RFC 1951 apart from
// the encoder, for what lzEncoder emits (stored, fixed and dynamic blocks,
// then a sync flush without its tail). It fails on a distance beyond
// window or beyond the history, and on incomplete or oversubscribed codes.
func refInflate(z, hist []byte, window int) ([]byte, error) {
	out := append([]byte(nil), hist...)
	start := len(out)
	pos := 0 // bit position in z
	bit := func(n int) (int, error) {
		v := 0
		for i := 0; i < n; i++ {
			if pos/8 >= len(z) {
				return 0, io.ErrUnexpectedEOF
			}
			v |= int(z[pos/8]>>(pos%8)&1) << i
			pos++
		}
		return v, nil
	}
	// A code is a map from length<<16|code (codes read MSB first) to symbol.
	build := func(lens []int) (map[int]int, error) {
		var count [16]int
		for _, l := range lens {
			count[l]++
		}
		count[0] = 0
		kraft := 0
		for l := 1; l < 16; l++ {
			kraft += count[l] << (15 - l)
		}
		if kraft != 1<<15 {
			return nil, fmt.Errorf("code not complete: %v", lens)
		}
		var next [16]int
		code := 0
		for l := 1; l < 16; l++ {
			code = (code + count[l-1]) << 1
			next[l] = code
		}
		m := map[int]int{}
		for s, l := range lens {
			if l > 0 {
				m[l<<16|next[l]] = s
				next[l]++
			}
		}
		return m, nil
	}
	decode := func(m map[int]int) (int, error) {
		code := 0
		for l := 1; l <= 15; l++ {
			b, err := bit(1)
			if err != nil {
				return 0, err
			}
			code = code<<1 | b
			if s, ok := m[l<<16|code]; ok {
				return s, nil
			}
		}
		return 0, errors.New("bad code")
	}
	fixed := make([]int, 288)
	for i := range fixed {
		fixed[i] = []int{8, 9, 7, 8}[btoi(i >= 144)+btoi(i >= 256)+btoi(i >= 280)]
	}
	fixedLit, _ := build(fixed)
	fixedDist, _ := build([]int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5})
	lext := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	for {
		final, err := bit(1)
		if err != nil {
			return nil, err
		}
		typ, err := bit(2)
		if err != nil {
			return nil, err
		}
		if final == 1 {
			return nil, errors.New("unexpected final block")
		}
		var lit, dist map[int]int
		switch typ {
		case 0:
			pos = (pos + 7) / 8 * 8
			if pos/8 == len(z) { // the sync flush: its LEN/NLEN were stripped
				return out[start:], nil
			}
			if pos/8+4 > len(z) {
				return nil, io.ErrUnexpectedEOF
			}
			p := pos / 8
			n := int(z[p]) | int(z[p+1])<<8
			if n^0xffff != int(z[p+2])|int(z[p+3])<<8 {
				return nil, errors.New("bad stored length")
			}
			if p+4+n > len(z) {
				return nil, io.ErrUnexpectedEOF
			}
			out = append(out, z[p+4:p+4+n]...)
			pos = (p + 4 + n) * 8
			continue
		case 1:
			lit, dist = fixedLit, fixedDist
		case 2:
			hlit, _ := bit(5)
			hdist, _ := bit(5)
			hclen, err := bit(4)
			if err != nil {
				return nil, err
			}
			cl := make([]int, 19)
			for i := 0; i < hclen+4; i++ {
				if cl[clOrder[i]], err = bit(3); err != nil {
					return nil, err
				}
			}
			clCode, err := build(cl)
			if err != nil {
				return nil, err
			}
			var lens []int
			for len(lens) < hlit+257+hdist+1 {
				sym, err := decode(clCode)
				if err != nil {
					return nil, err
				}
				switch {
				case sym < 16:
					lens = append(lens, sym)
				case sym == 16:
					if len(lens) == 0 {
						return nil, errors.New("repeat of nothing")
					}
					r, _ := bit(2)
					for k := 0; k < r+3; k++ {
						lens = append(lens, lens[len(lens)-1])
					}
				default:
					r, _ := bit([]int{3, 7}[sym-17])
					for k := 0; k < r+[]int{3, 11}[sym-17]; k++ {
						lens = append(lens, 0)
					}
				}
			}
			if len(lens) != hlit+257+hdist+1 {
				return nil, errors.New("code lengths overrun")
			}
			if lit, err = build(lens[:hlit+257]); err != nil {
				return nil, err
			}
			if dist, err = build(lens[hlit+257:]); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("reserved block type")
		}
		for {
			sym, err := decode(lit)
			if err != nil {
				return nil, err
			}
			if sym < 256 {
				out = append(out, byte(sym))
				continue
			}
			if sym == 256 {
				break
			}
			if sym > 285 {
				return nil, errors.New("bad length symbol")
			}
			e, err := bit(lext[sym-257])
			if err != nil {
				return nil, err
			}
			n := int(lengthBase[sym-257]) + e
			dc, err := decode(dist)
			if err != nil {
				return nil, err
			}
			if dc >= 30 {
				return nil, errors.New("bad distance code")
			}
			e, err = bit(max(0, dc/2-1))
			if err != nil {
				return nil, err
			}
			d := int(distBase[dc]) + e
			if d > window || d > len(out) {
				return nil, fmt.Errorf("distance %d beyond window %d or history %d", d, window, len(out))
			}
			for i := 0; i < n; i++ {
				out = append(out, out[len(out)-d])
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bomb returns a message that inflates to about size bytes of zeros.
func bomb(size int) []byte {
	var z bytes.Buffer
	w, _ := kflate.NewWriter(&z, 9)
	_, _ = w.Write(make([]byte, 16<<20))
	_ = w.Flush() // ends with 00 00 ff ff: blocks can be repeated
	part := z.Bytes()
	out := bytes.Repeat(part, max(1, size/(16<<20)))
	return out[:len(out)-4]
}

func TestBomb(t *testing.T) {
	z := bomb(1 << 30) // 1 GiB
	t.Logf("%d bytes inflate to 1 GiB", len(z))
	for _, nct := range []bool{false, true} {
		dec := newCodec(config{decBits: 15, decNoContext: nct})
		exttest.Bomb(t, dec, z, 1<<20, extutil.Chunk, 64<<10)
	}
	url := exttest.Serve(t, &ws.Options{MaxMessagePayload: 1 << 20, Extensions: []ws.Extension{New(Options{})}})
	exttest.RawBomb(t, url, "permessage-deflate", z, ws.StatusMessageTooBig)
	exttest.RawBomb(t, url, "permessage-deflate", []byte{0xff, 0xff, 0xff}, ws.StatusInvalidFramePayloadData)
}

// TestIdleMemory: without context takeover a connection's codecs keep
// almost nothing between messages; with it, the sender keeps its window
// plus the table and the receiver the peer's window.
func TestIdleMemory(t *testing.T) {
	msg := exttest.Message(rand.New(rand.NewPCG(1, 1)), 0, 2000)
	for _, c := range []struct {
		o   Options
		max int
	}{
		{Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, 1 << 10},
		// Receiver: the 32 KiB window; sender: window and slack (40 KiB)
		// and the 16 KiB table.
		{Options{}, 32<<10 + 40<<10 + 16<<10 + 2<<10},
		{Options{ServerMaxWindowBits: 10, ClientMaxWindowBits: 10}, 1<<10 + 2<<10 + 16<<10 + 2<<10},
	} {
		const n = 200
		codecs := make([]ws.Codec, 0, 2*n)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m0)
		for i := 0; i < n; i++ {
			cc, sc, _ := exttest.Pair(t, New(c.o), New(c.o))
			z, _ := sc.Encode(nil, msg, true)
			if _, err := cc.Decode(nil, z, true, -1); err != nil {
				t.Fatal(err)
			}
			codecs = append(codecs, cc, sc)
		}
		runtime.GC()
		runtime.GC() // and the pools' victim caches
		runtime.ReadMemStats(&m1)
		per := (int(m1.HeapAlloc) - int(m0.HeapAlloc)) / n
		t.Logf("%+v: %d bytes per connection (both ends' codecs)", c.o, per)
		if per > c.max {
			t.Errorf("%+v: %d bytes per connection, want at most %d", c.o, per, c.max)
		}
		runtime.KeepAlive(codecs)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, false)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, true)
	f.Add([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}, false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 'x', 'y'}, true)
	f.Fuzz(func(t *testing.T, z []byte, nct bool) {
		dec := newCodec(config{decBits: 15, decNoContext: nct})
		for i := 0; i < 2; i++ { // twice, through the kept window
			out, err := dec.Decode(nil, z, true, 1<<16)
			if len(out) > 1<<16+64<<10 {
				t.Fatalf("%d bytes out", len(out))
			}
			if err != nil {
				return
			}
		}
	})
}

// FuzzLZ compresses arbitrary data with every window and checks it
// against the reference inflater.
func FuzzLZ(f *testing.F) {
	f.Add([]byte("Hello, Hello, Hello"), uint8(0), uint16(3))
	f.Add(bytes.Repeat([]byte("abcd"), 3000), uint8(7), uint16(1000))
	f.Fuzz(func(t *testing.T, data []byte, bits uint8, cut uint16) {
		b := 8 + int(bits%8)
		enc := newLZ(b)
		var hist []byte
		for _, m := range [][]byte{data, data[:len(data)/2]} {
			k := min(int(cut), len(m))
			z := enc.encode(nil, m[:k], false, false)
			z = enc.encode(z, m[k:], true, false)
			got, err := refInflate(z, hist, 1<<b)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("bits %d: %v", b, err)
			}
			hist = append(hist, m...)
			hist = hist[max(0, len(hist)-(1<<b)):]
		}
	})
}

func FuzzNegotiation(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits; server_max_window_bits=10")
	f.Add("permessage-deflate; server_no_context_takeover, permessage-deflate")
	f.Add(`permessage-deflate; client_max_window_bits="9"; client_no_context_takeover`)
	exts := []ws.Extension{New(Options{}), New(Options{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8, ServerNoContextTakeover: true})}
	f.Fuzz(func(t *testing.T, header string) {
		for _, e := range exts {
			exttest.FuzzNegotiation(t, e, header)
		}
	})
}

type preparedHandler struct {
	ws.BaseHandler
	pm *ws.PreparedMessage
}

func (h preparedHandler) OnOpen(c *ws.Conn) { _ = c.WritePrepared(context.Background(), h.pm) }

// TestPrepared sends one prepared message to clients with and without
// context takeover: without, the codecs share one compressed frame.
func TestPrepared(t *testing.T) {
	msg := exttest.Message(rand.New(rand.NewPCG(7, 7)), 0, 5000)
	pm := ws.NewPreparedMessage(ws.OpText, msg)
	srv := exttest.ServeHandler(t, preparedHandler{pm: pm}, &ws.Options{Extensions: []ws.Extension{New(Options{})}})
	for _, o := range []Options{{}, {ServerNoContextTakeover: true}, {ServerNoContextTakeover: true, ServerMaxWindowBits: 9}, {}} {
		c := exttest.Dial(t, srv, &ws.Options{Extensions: []ws.Extension{New(o)}})
		op, p, err := c.ReadMessage(context.Background())
		if err != nil || op != ws.OpText || !bytes.Equal(p, msg) {
			t.Fatalf("%+v: %v %d bytes %v", o, op, len(p), err)
		}
	}
	cc, _, _ := exttest.Pair(t, New(Options{}), New(Options{ServerNoContextTakeover: true}))
	_, sc, _ := exttest.Pair(t, New(Options{ServerNoContextTakeover: true}), New(Options{}))
	if k := sc.(ws.SharedCodec).ShareKey(); k == "" {
		t.Error("no share key without context takeover")
	}
	if k := cc.(ws.SharedCodec).ShareKey(); k != "" {
		t.Errorf("share key %q with context takeover", k)
	}
}
