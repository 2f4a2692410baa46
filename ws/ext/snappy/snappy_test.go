package snappy

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestPythonSnappyGolden decodes two messages of one stream written by
// python-snappy's StreamCompressor (as Autobahn|Python sends them with
// context takeover), and checks that this encoder frames them the same
// way (the compressed chunk is the C++ library's, so only sizes compare).
func TestPythonSnappyGolden(t *testing.T) {
	first := unhex("ff060000734e61507059001200005375fc56221848656c6c6f2c206607000021")
	second := unhex("010700006e57f121616263") // "abc", stored
	dec := &codec{}
	for i, c := range []struct {
		z    []byte
		want string
	}{{first, "Hello, Hello, Hello, Hello, Hello!"}, {second, "abc"}} {
		got, err := exttest.DecodePieces(dec, c.z, rand.New(rand.NewPCG(uint64(i), 1)), -1)
		if err != nil || string(got) != c.want {
			t.Fatalf("message %d: %q %v", i, got, err)
		}
	}
	enc := &codec{}
	if z, _ := enc.Encode(nil, []byte("Hello, Hello, Hello, Hello, Hello!"), true); !bytes.Equal(z[:10], first[:10]) || z[10] != 0 {
		t.Errorf("first message % x", z)
	}
	if z, _ := enc.Encode(nil, []byte("abc"), true); !bytes.Equal(z, second) {
		t.Errorf("second message % x, want % x", z, second)
	}
	// Without context takeover every message starts a stream.
	dec = &codec{decNoContext: true}
	for i := 0; i < 2; i++ {
		if got, err := dec.Decode(nil, first, true, -1); err != nil || len(got) != 34 {
			t.Fatal(i, err)
		}
	}
	if _, err := dec.Decode(nil, second, true, -1); err == nil {
		t.Fatal("stream without identifier accepted")
	}
}

func TestCorrupt(t *testing.T) {
	for _, z := range []string{
		"010700006e57f121616263",                   // no stream identifier
		"ff060000734e61507059010700006e57f1216162", // cut chunk
		"ff060000734e61507059010700006e57f1216164", // bad CRC
		"ff060000734e61507059020000",               // unskippable reserved chunk
		"ff060000734e61507058",                     // bad identifier
		"ff060000734e61507059ff0500",               // identifier of the wrong size
		"ff060000734e61507059000600000000000061",   // bad compressed data
	} {
		if got, err := (&codec{}).Decode(nil, unhex(z), true, -1); err == nil {
			t.Errorf("%s decoded to %q", z, got)
		}
	}
	// Padding and skippable chunks are skipped, even across pieces.
	z := unhex("ff060000734e61507059fe030000000000" + "80010000" + "00" + "010700006e57f121616263")
	if got, err := exttest.DecodePieces(&codec{}, z, rand.New(rand.NewPCG(3, 3)), -1); err != nil || string(got) != "abc" {
		t.Errorf("%q %v", got, err)
	}
}

func TestNegotiation(t *testing.T) {
	exttest.Negotiate(t, New(Options{}), [][2]string{
		{"permessage-snappy", "permessage-snappy"},
		{"permessage-snappy; client_no_context_takeover", "permessage-snappy"},
		{"permessage-snappy; server_no_context_takeover", "permessage-snappy; server_no_context_takeover"},
		{"permessage-snappy; server_no_context_takeover=1", ""},
		{"permessage-snappy; client_no_context_takeover; client_no_context_takeover", ""},
		{"permessage-snappy; x, permessage-snappy; client_no_context_takeover", "permessage-snappy"},
	})
	exttest.Negotiate(t, New(Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true}), [][2]string{
		{"permessage-snappy", "permessage-snappy; server_no_context_takeover"},
		{"permessage-snappy; client_no_context_takeover",
			"permessage-snappy; server_no_context_takeover; client_no_context_takeover"},
	})
	exttest.Answers(t, New(Options{}), map[string]bool{
		"permessage-snappy": true,
		"permessage-snappy; server_no_context_takeover; client_no_context_takeover": true,
		"permessage-snappy; client_no_context_takeover=yes":                         false,
		"permessage-snappy; other":                                                  false,
	})
	exttest.Answers(t, New(Options{ServerNoContextTakeover: true}), map[string]bool{
		"permessage-snappy; server_no_context_takeover": true,
		"permessage-snappy":                             false,
	})
	if got := ws.FormatExtensions(New(Options{ServerNoContextTakeover: true}).Offers()); got != "permessage-snappy; client_no_context_takeover; server_no_context_takeover" {
		t.Error(got)
	}
}

func configs() []Options {
	var out []Options
	for _, s := range []bool{false, true} {
		for _, c := range []bool{false, true} {
			out = append(out, Options{ServerNoContextTakeover: s, ClientNoContextTakeover: c})
		}
	}
	return append(out, Options{Threshold: -1})
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, o := range configs() {
		cc, sc, ans := exttest.Pair(t, New(o), New(o))
		t.Run(fmt.Sprint(i, ans), func(t *testing.T) {
			var msgs [][]byte
			for i := 0; i < 40; i++ {
				msgs = append(msgs, exttest.Message(rng, rng.IntN(4), exttest.Sizes[rng.IntN(len(exttest.Sizes))]))
			}
			exttest.CodecRoundTrip(t, cc, sc, rng, msgs)
			exttest.CodecRoundTrip(t, sc, cc, rng, msgs)
			url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(o)}, AutoFragmentSize: 1000 * i})
			exttest.Echo(t, exttest.Dial(t, url, &ws.Options{Extensions: []ws.Extension{New(o)}}), rng, 30)
		})
	}
}

func TestBomb(t *testing.T) {
	// Chunks of 64 KiB of zeros, ≈ 3 KiB each compressed.
	c := &codec{}
	z, _ := c.Encode(nil, make([]byte, 32<<20), true)
	t.Logf("%d bytes decode to 32 MiB", len(z))
	exttest.Bomb(t, &codec{}, z, 1<<20, maxChunkData, 0)
	url := exttest.Serve(t, &ws.Options{MaxMessagePayload: 1 << 20, Extensions: []ws.Extension{New(Options{})}})
	exttest.RawBomb(t, url, "permessage-snappy", z, ws.StatusMessageTooBig)
	exttest.RawBomb(t, url, "permessage-snappy", []byte{1, 2, 3, 4, 5}, ws.StatusInvalidFramePayloadData)
}

func FuzzDecode(f *testing.F) {
	f.Add(unhex("ff060000734e61507059001200005375fc56221848656c6c6f2c206607000021"), uint8(3))
	f.Add(unhex("ff060000734e61507059010700006e57f121616263"), uint8(0))
	f.Fuzz(func(t *testing.T, z []byte, cut uint8) {
		c := &codec{}
		k := min(int(cut), len(z))
		out, err := c.Decode(nil, z[:k], false, 1<<16)
		if err == nil {
			out, _ = c.Decode(out, z[k:], true, 1<<16-int64(len(out)))
		}
		if len(out) > 1<<16+maxChunkData {
			t.Fatalf("%d bytes out", len(out))
		}
	})
}

func FuzzNegotiation(f *testing.F) {
	f.Add("permessage-snappy; client_no_context_takeover; server_no_context_takeover")
	f.Add("permessage-snappy, permessage-snappy; x=1")
	exts := []ws.Extension{New(Options{}), New(Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true})}
	f.Fuzz(func(t *testing.T, header string) {
		for _, e := range exts {
			exttest.FuzzNegotiation(t, e, header)
		}
	})
}
