package deflate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// zlibCorpus is testdata/zlib_corpus.json.gz, written by
// testdata/zlib_corpus.py.
type zlibCorpus struct {
	Zlib     string   `json:"zlib"`
	Payloads [][]byte `json:"payloads"`
	Streams  []struct {
		Bits     int    `json:"bits"`
		Level    int    `json:"level"`
		Strategy string `json:"strategy"`
		NCT      bool   `json:"nct"`
		Msgs     [][2]json.RawMessage
	} `json:"streams"`
}

func loadZlibCorpus(t *testing.T) *zlibCorpus {
	t.Helper()
	f, err := os.Open("testdata/zlib_corpus.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var c zlibCorpus
	if err := json.NewDecoder(zr).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestReview16cZlibCorpus decodes what zlib writes as a permessage-deflate
// peer: every level and strategy, every window the extension negotiates
// (8 bits compressed with zlib's 9), with and without context takeover,
// stored blocks, empty messages, runs longer than 258, copies at the
// longest distance zlib uses and into earlier messages. Each message is
// decoded whole or in random pieces by a codec set up as negotiated, and
// must come out byte for byte as the payload zlib was given.
func TestReview16cZlibCorpus(t *testing.T) {
	c := loadZlibCorpus(t)
	if len(c.Streams) < 200 {
		t.Fatalf("%d streams in the corpus", len(c.Streams))
	}
	rng := rand.New(rand.NewPCG(16, 3))
	for _, s := range c.Streams {
		name := fmt.Sprintf("zlib %s bits %d level %d %s nct %v", c.Zlib, s.Bits, s.Level, s.Strategy, s.NCT)
		dec := newCodec(config{decBits: s.Bits, decNoContext: s.NCT})
		for i, m := range s.Msgs {
			var idx int
			var z []byte
			if err := json.Unmarshal(m[0], &idx); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(m[1], &z); err != nil { // base64
				t.Fatal(err)
			}
			want := c.Payloads[idx]
			var r *rand.Rand
			if i%2 == 1 {
				r = rng
			}
			got, err := exttest.DecodePieces(dec, z, r, -1)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: message %d (%d bytes, %d compressed): got %d bytes, %v", name, i, len(want), len(z), len(got), err)
			}
		}
	}
}
