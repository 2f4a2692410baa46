package bzip2

import (
	"strings"
	"testing"
)

// treesStream returns a bzip2 stream with a block per element of blocks,
// each decoding to one zero byte: the block's alphabet has len(lens)
// symbols (RUNA, RUNB, len(lens)-3 byte values from 0, EOB) and six prefix
// trees with the code lengths lens, codes given to lengths in order and
// to symbols in order within a length (as bzip2 decoders do).
func treesStream(blocks ...[]int) []byte {
	var w bitWriter
	w.bits('B', 8)
	w.bits('Z', 8)
	w.bits('h', 8)
	w.bits('1', 8)
	crc := bzCRC([]byte{0})
	combined := uint32(0)
	for _, lens := range blocks {
		w.bits(0x314159265359, 48)
		w.bits(uint64(crc), 32)
		w.bits(0, 1)  // not randomized
		w.bits(0, 24) // origin pointer
		bytesUsed := len(lens) - 2
		var hi uint64
		for g := 0; g*16 < bytesUsed; g++ {
			hi |= 1 << (15 - g)
		}
		w.bits(hi, 16)
		for g := 0; g*16 < bytesUsed; g++ {
			var lo uint64
			for b := 0; b < 16 && g*16+b < bytesUsed; b++ {
				lo |= 1 << (15 - b)
			}
			w.bits(lo, 16)
		}
		w.bits(6, 3)  // six trees
		w.bits(1, 15) // one selector
		w.bits(0, 1)  // tree 0
		for range 6 {
			clen := lens[0]
			w.bits(uint64(clen), 5)
			for _, l := range lens {
				for ; clen < l; clen++ {
					w.bits(0b10, 2)
				}
				for ; clen > l; clen-- {
					w.bits(0b11, 2)
				}
				w.bits(0, 1)
			}
		}
		// Canonical codes: by length, then by symbol.
		code, codes := uint64(0), make([]uint64, len(lens))
		for l := 1; l <= 20; l++ {
			for s, sl := range lens {
				if sl == l {
					codes[s] = code
					code++
				}
			}
			code <<= 1
		}
		eob := len(lens) - 1
		w.bits(codes[0], uint(lens[0]))     // RUNA: one zero byte
		w.bits(codes[eob], uint(lens[eob])) // EOB
		combined = (combined<<1 | combined>>31) ^ crc
	}
	w.bits(0x177245385090, 48)
	w.bits(uint64(combined), 32)
	return w.flush()
}

// Code lengths of three symbols (RUNA, RUNB = one zero byte... EOB).
var (
	completeLens   = []int{1, 2, 2}
	incompleteLens = []int{1, 20, 2}
)

// wideLens are lengths of a complete tree of all 258 symbols in which 240
// codes of 10 bits each begin with a 9-bit prefix of their own (pairs),
// and 12 more (10 to 20 bits, twice 20) fill one prefix: dsnet's reader
// fills a table of 2^11 entries for each of those 121 prefixes.
func wideLens() []int {
	lens := []int{1, 3, 3, 7, 8, 9} // 391/512 of the code space
	for l := 10; l <= 20; l++ {
		lens = append(lens, l)
	}
	lens = append(lens, 20)
	for range 240 {
		lens = append(lens, 10)
	}
	// RUNA takes 1 bit and EOB, the last symbol, 3.
	lens[1], lens[len(lens)-1] = lens[len(lens)-1], lens[1]
	return lens
}

// TestReview18LaterBlockChecked: an under-subscribed tree is found in
// whichever block it is, at every bit offset a block can start at (the
// blocks here are 219 bits long, so the ninth starts at each of the
// eight offsets in a byte once), and such a stream still decodes.
func TestReview18LaterBlockChecked(t *testing.T) {
	const n = 9
	all := make([][]int, n)
	for i := range all {
		all[i] = completeLens
	}
	z := treesStream(all...)
	if !completeTrees(z) {
		t.Fatal("complete trees refused")
	}
	for k := range n {
		blocks := append([][]int(nil), all...)
		blocks[k] = incompleteLens
		z := treesStream(blocks...)
		if completeTrees(z) {
			t.Errorf("block %d's under-subscribed trees not found", k)
		}
		out, err := (&codec{level: 1}).Decode(nil, z, true, 1<<20)
		if err != nil || string(out) != strings.Repeat("\x00", n) {
			t.Errorf("block %d under-subscribed: %q, %v", k, out, err)
		}
	}
}

// TestReview18WideTreesNotPooled: complete trees that make dsnet's reader
// fill a quarter of a million table entries per tree, for blocks of 300
// bytes, cost it four times what the standard library takes (about 1.2
// ms a block here, 70 s for a message of 16 MiB): such a stream goes to
// the standard library.
func TestReview18WideTreesNotPooled(t *testing.T) {
	const n = 50
	blocks := make([][]int, n)
	for i := range blocks {
		blocks[i] = wideLens()
	}
	z := treesStream(blocks...)
	if ref := refTrees(z); ref.incomplete != 0 {
		t.Fatalf("test stream has %d incomplete trees", ref.incomplete)
	}
	if completeTrees(z) {
		t.Errorf("%d bytes of %d blocks with wide trees go to the pooled reader", len(z), n)
	}
	out, err := (&codec{level: 1}).Decode(nil, z, true, 1<<20)
	if err != nil || string(out) != strings.Repeat("\x00", n) {
		t.Errorf("%q, %v", out, err)
	}
	// One such block is within the allowance, and the entries are
	// counted as the reference counts them (6 x (2^9 + 121 x 2^11)).
	one := treesStream(wideLens())
	if !completeTrees(one) {
		t.Error("one block with wide trees refused")
	}
	r := treeReader{z: one, pos: 32 + 48, budget: 1 << 30}
	if !r.blockTrees() || -r.tables != refTrees(one).tables || -r.tables != 6*(1<<9+121<<11) {
		t.Errorf("%d table entries, reference %d", -r.tables, refTrees(one).tables)
	}
}
