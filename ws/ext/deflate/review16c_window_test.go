package deflate

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// windowStream is a sequence of messages as this side's encoder sent them
// with a negotiated window; json gives the base64 zlib_check.py reads.
type windowStream struct {
	Bits int         `json:"bits"`
	NCT  bool        `json:"nct"`
	Msgs [][2][]byte `json:"msgs"` // raw, compressed (tail stripped)
}

// farRepeat returns a random head, random filler and the head again: a
// repeat exactly dist bytes back.
func farRepeat(rng *rand.Rand, dist int) []byte {
	m := make([]byte, dist+16)
	for i := range m[:dist] {
		m[i] = byte(rng.Uint32())
	}
	copy(m[dist:], m[:16])
	return m
}

// windowStreams encodes, for every window 8–15 bits, with and without
// context takeover, messages that repeat themselves (or the previous
// message) at distances just below, at and just above the window, and
// messages of other kinds, whole or in pieces.
func windowStreams(t *testing.T) []windowStream {
	rng := rand.New(rand.NewPCG(16, 8))
	var out []windowStream
	for bits := 8; bits <= 15; bits++ {
		w := 1 << bits
		for _, nct := range []bool{false, true} {
			var msgs [][]byte
			for _, d := range []int{w - 1, w, w + 1, w + 2, w + 258} {
				msgs = append(msgs, farRepeat(rng, d))
				// The repeat of the end of this message in the next one.
				end := msgs[len(msgs)-1]
				msgs = append(msgs, append([]byte(nil), end[len(end)-d:][:32]...))
			}
			msgs = append(msgs, nil, bytes.Repeat([]byte{'a'}, 1000), []byte("short"),
				bytes.Repeat([]byte("0123456789abcdef"), w/8))
			s := windowStream{Bits: bits, NCT: nct}
			for level := 1; level <= 9; level += 8 {
				enc := newCodec(config{level: level, encBits: bits, encNoContext: nct})
				for i, m := range msgs {
					var z []byte
					var err error
					if i%3 == 2 && len(m) > 2 { // in pieces
						z, err = enc.Encode(nil, m[:len(m)/3], false)
						if err == nil {
							z, err = enc.Encode(z, m[len(m)/3:2*len(m)/3], false)
						}
						if err == nil {
							z, err = enc.Encode(z, m[2*len(m)/3:], true)
						}
					} else {
						z, err = enc.Encode(nil, m, true)
					}
					if err != nil {
						t.Fatal(err)
					}
					s.Msgs = append(s.Msgs, [2][]byte{m, z})
				}
				if !nct { // one encoder, one stream
					break
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// TestReview16cEncoderWindow: what this side compresses never copies from
// further back than the negotiated window (a peer that allocated
// 1<<bits bytes of window, as zlib does for client/server_max_window_bits,
// would fail or decode garbage), checked by the reference inflater, which
// refuses longer distances; compress/flate and this side's decoder with
// that window decode it too.
func TestReview16cEncoderWindow(t *testing.T) {
	for _, s := range windowStreams(t) {
		w := 1 << s.Bits
		dec := newCodec(config{decBits: s.Bits, decNoContext: s.NCT})
		var hist []byte
		for i, m := range s.Msgs {
			raw, z := m[0], m[1]
			if s.NCT {
				hist = nil
			}
			// Not for klauspost/compress/flate's output (no context
			// takeover, 15 bits), which may hold one-code distance trees
			// (valid, though the reference refuses incomplete codes).
			if !s.NCT || s.Bits < 15 {
				got, err := refInflate(z, hist, w)
				if err != nil || !bytes.Equal(got, raw) {
					t.Fatalf("bits %d nct %v message %d (%d bytes): reference: %v", s.Bits, s.NCT, i, len(raw), err)
				}
			}
			r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(z), bytes.NewReader(tail)), hist)
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("bits %d nct %v message %d: compress/flate: %v", s.Bits, s.NCT, i, err)
			}
			if got, err := dec.Decode(nil, z, true, -1); err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("bits %d nct %v message %d: Decode: %v", s.Bits, s.NCT, i, err)
			}
			hist = append(hist, raw...)
			hist = hist[max(0, len(hist)-w):]
		}
	}
}

// TestReview16cZlibInflatesOurs has zlib (through python3, skipped
// without it) inflate the same streams with a 1<<bits window, as a zlib
// peer that negotiated that window does: testdata/zlib_check.py.
func TestReview16cZlibInflatesOurs(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if exec.Command(py, "-c", "import zlib").Run() != nil {
		t.Skip("python3 without zlib")
	}
	b, err := json.Marshal(windowStreams(t))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ours.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "testdata/zlib_check.py", file).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("zlib_check.py: %v", err)
	}
}
