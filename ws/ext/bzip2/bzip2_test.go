package bzip2

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// pythonHello is bz2.compress(b"Hello, Hello, Hello, Hello, Hello!", 9),
// what Autobahn|Python sends for that message.
const pythonHello = "425a68393141592653592f29fddc0000069500600400400204a000310c0054a69851b147ee32351c2ee48a70a1205e53fbb8"

func TestPythonGolden(t *testing.T) {
	z, _ := hex.DecodeString(pythonHello)
	got, err := exttest.DecodePieces(&codec{level: 1}, z, rand.New(rand.NewPCG(1, 1)), -1)
	if err != nil || string(got) != "Hello, Hello, Hello, Hello, Hello!" {
		t.Fatalf("%q %v", got, err)
	}
	// What this side sends, compress/bzip2 (an independent decoder) reads.
	msg := exttest.Message(rand.New(rand.NewPCG(2, 2)), 0, 250000)
	for level := 1; level <= 9; level += 4 {
		z, err := (&codec{level: level}).Encode(nil, msg, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(stdbzip2.NewReader(bytes.NewReader(z))); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("level %d: %v", level, err)
		}
	}
}

func TestNegotiation(t *testing.T) {
	exttest.Negotiate(t, New(Options{}), [][2]string{
		{"permessage-bzip2", "permessage-bzip2"},
		{"permessage-bzip2; client_max_compress_level", "permessage-bzip2"},
		{"permessage-bzip2; server_max_compress_level=4", "permessage-bzip2; server_max_compress_level=4"},
		{"permessage-bzip2; server_max_compress_level=0", ""},
		{"permessage-bzip2; server_max_compress_level=10", ""},
		{"permessage-bzip2; server_max_compress_level", ""},
		{"permessage-bzip2; client_max_compress_level=3", ""}, // a flag in an offer
		{"permessage-bzip2; server_max_compress_level=1; server_max_compress_level=1", ""},
		{"permessage-bzip2; level=1, permessage-bzip2", "permessage-bzip2"},
	})
	exttest.Negotiate(t, New(Options{ClientMaxCompressLevel: 2}), [][2]string{
		{"permessage-bzip2", "permessage-bzip2"},
		{"permessage-bzip2; client_max_compress_level; server_max_compress_level=9",
			"permessage-bzip2; server_max_compress_level=9; client_max_compress_level=2"},
	})
	exttest.Answers(t, New(Options{ServerMaxCompressLevel: 3}), map[string]bool{
		"permessage-bzip2": true,
		"permessage-bzip2; server_max_compress_level=3; client_max_compress_level=1": true,
		"permessage-bzip2; server_max_compress_level=4":                              false,
		"permessage-bzip2; client_max_compress_level":                                false,
		"permessage-bzip2; client_max_compress_level=11":                             false,
		"permessage-bzip2; x": false,
	})
	if got := ws.FormatExtensions(New(Options{ServerMaxCompressLevel: 3}).Offers()); got != "permessage-bzip2; client_max_compress_level; server_max_compress_level=3" {
		t.Error(got)
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, o := range []Options{{}, {Level: 9, ServerMaxCompressLevel: 2, ClientMaxCompressLevel: 3}, {Threshold: -1}} {
		cc, sc, ans := exttest.Pair(t, New(o), New(o))
		t.Run(fmt.Sprint(i, ans), func(t *testing.T) {
			var msgs [][]byte
			for i := 0; i < 20; i++ {
				msgs = append(msgs, exttest.Message(rng, rng.IntN(4), exttest.Sizes[rng.IntN(len(exttest.Sizes))]))
			}
			exttest.CodecRoundTrip(t, cc, sc, rng, msgs)
			exttest.CodecRoundTrip(t, sc, cc, rng, msgs)
			url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(o)}, AutoFragmentSize: 1000 * i})
			exttest.Echo(t, exttest.Dial(t, url, &ws.Options{Extensions: []ws.Extension{New(o)}}), rng, 20)
		})
	}
}

func TestBomb(t *testing.T) {
	z, err := (&codec{level: 9}).Encode(nil, make([]byte, 256<<20), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes decompress to 256 MiB", len(z))
	exttest.Bomb(t, &codec{level: 1}, z, 1<<20, extutil.Chunk, 12<<20)
	// Nothing of the bomb is left for the next message.
	hello, _ := hex.DecodeString(pythonHello)
	if got, err := (&codec{level: 1}).Decode(nil, hello, true, 1<<20); err != nil || len(got) != 34 {
		t.Fatal(len(got), err)
	}
	url := exttest.Serve(t, &ws.Options{MaxMessagePayload: 1 << 20, Extensions: []ws.Extension{New(Options{})}})
	exttest.RawBomb(t, url, "permessage-bzip2", z, ws.StatusMessageTooBig)
	exttest.RawBomb(t, url, "permessage-bzip2", []byte("BZh9garbage"), ws.StatusInvalidFramePayloadData)
}

func FuzzDecode(f *testing.F) {
	z, _ := hex.DecodeString(pythonHello)
	f.Add(z)
	f.Add([]byte("BZh91AY&SY"))
	f.Fuzz(func(t *testing.T, z []byte) {
		out, _ := (&codec{level: 1}).Decode(nil, z, true, 1<<16)
		if len(out) > 1<<16+extutil.Chunk {
			t.Fatalf("%d bytes out", len(out))
		}
	})
}

func FuzzNegotiation(f *testing.F) {
	f.Add("permessage-bzip2; client_max_compress_level; server_max_compress_level=3")
	f.Add("permessage-bzip2, permessage-bzip2; x=1")
	exts := []ws.Extension{New(Options{}), New(Options{ServerMaxCompressLevel: 2, ClientMaxCompressLevel: 5})}
	f.Fuzz(func(t *testing.T, header string) {
		for _, e := range exts {
			exttest.FuzzNegotiation(t, e, header)
		}
	})
}
