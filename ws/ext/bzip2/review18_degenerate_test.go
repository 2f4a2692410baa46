package bzip2

import (
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// bitWriter writes bits most significant first, as bzip2 does.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.nacc++
		if w.nacc == 8 {
			w.out = append(w.out, byte(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.bits(0, 8-w.nacc)
	}
	return w.out
}

// bzCRC is bzip2's CRC-32 (polynomial 0x04c11db7, most significant bit first).
func bzCRC(p []byte) uint32 {
	c := ^uint32(0)
	for _, b := range p {
		c ^= uint32(b) << 24
		for i := 0; i < 8; i++ {
			if c&(1<<31) != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
	}
	return ^c
}

// degenerateStream returns a bzip2 stream of n blocks that each decode to
// "a" with six prefix trees whose code lengths 1, 20 and 2 leave most of
// the code space unused (under-subscribed), as no encoder writes them.
func degenerateStream(n int) []byte {
	var w bitWriter
	w.bits('B', 8)
	w.bits('Z', 8)
	w.bits('h', 8)
	w.bits('1', 8)
	crc := bzCRC([]byte("a"))
	combined := uint32(0)
	for range n {
		w.bits(0x314159265359, 48)
		w.bits(uint64(crc), 32)
		w.bits(0, 1)       // not randomized
		w.bits(0, 24)      // origPtr
		w.bits(0x0200, 16) // byte group 0x60-0x6f used
		w.bits(0x4000, 16) // 'a' (0x61) used
		w.bits(6, 3)       // six trees
		w.bits(1, 15)      // one selector
		w.bits(0, 1)       // selector 0
		for range 6 {
			w.bits(1, 5) // RUNA: length 1
			w.bits(0, 1)
			for range 19 { // RUNB: length 20
				w.bits(0b10, 2)
			}
			w.bits(0, 1)
			for range 18 { // EOB: length 2
				w.bits(0b11, 2)
			}
			w.bits(0, 1)
		}
		w.bits(0b0, 1)  // RUNA: one 'a'
		w.bits(0b10, 2) // EOB
		combined = (combined<<1 | combined>>31) ^ crc
	}
	w.bits(0x177245385090, 48)
	w.bits(uint64(combined), 32)
	return w.flush()
}

// TestReview18DegenerateTreesBounded: a bzip2 block may give code lengths
// that leave most of a prefix tree's code space unused, which no encoder
// writes and libbzip2 decodes as long as no unused code comes. Such a
// block of 80 bytes cost the decoder a third of a CPU-second (it explored
// the 2^20 codes of each of its six trees), so that one message of a few
// thousand blocks, well under MaxMessagePayload, held a processor for
// minutes, and one of 16 MiB for hours. Decoding costs what the blocks
// hold now: the message decodes at once. (The deadline only bounds a
// hang; before the fix the message took ten minutes.)
func TestReview18DegenerateTreesBounded(t *testing.T) {
	const blocks = 2000
	z := degenerateStream(blocks)
	_, dec, ok, err := New(Options{}).Accept([]ws.ExtensionOffer{{Name: Name}})
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := dec.Decode(nil, z, true, 1<<20)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || string(r.out) != strings.Repeat("a", blocks) {
			t.Fatalf("%d bytes of %d blocks decoded to %d bytes, %v; want %d a's", len(z), blocks, len(r.out), r.err, blocks)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%d bytes of %d blocks with degenerate prefix trees not decoded in 30 s", len(z), blocks)
	}
}
