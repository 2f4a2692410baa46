package deflate

import (
	"math/bits"
	"slices"
)

// Huffman coding of a block (RFC 1951 §3.2.5–3.2.7).

// Length codes 257–285 (as 0–28): base lengths and extra bits.
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	// lenCode maps length-3 to its code (0–28).
	lenCode [256]uint8
	// clOrder is the order of the code length code lengths in a header.
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
	// The fixed codes (§3.2.6), bit-reversed for the LSB-first stream.
	fixedLitLen  [288]uint8 // 286 and 287 take part in the code, unused
	fixedLitCode [288]uint16
	fixedDistLen [30]uint8
	fixedDistCod [30]uint16
)

func init() {
	for c := 27; c >= 0; c-- {
		for l := int(lengthBase[c]); l < int(lengthBase[c])+1<<lengthExtra[c] && l <= 257; l++ {
			lenCode[l-3] = uint8(c)
		}
	}
	lenCode[255] = 28 // 258 has its own code
	for v := range fixedLitLen {
		switch {
		case v < 144:
			fixedLitLen[v] = 8
		case v < 256:
			fixedLitLen[v] = 9
		case v < 280:
			fixedLitLen[v] = 7
		default:
			fixedLitLen[v] = 8
		}
	}
	canonical(fixedLitLen[:], fixedLitCode[:])
	for v := range fixedDistLen {
		fixedDistLen[v] = 5
	}
	canonical(fixedDistLen[:], fixedDistCod[:])
}

// distCode maps dist-1 (0–32767) to its code (0–29).
func distCode(d int) int {
	if d < 4 {
		return d
	}
	top := bits.Len(uint(d)) - 1
	return 2*top + (d>>(top-1))&1
}

// canonical assigns the canonical codes of lens (§3.2.2), bit-reversed.
func canonical(lens []uint8, codes []uint16) {
	var count [16]uint16
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]uint16
	code := uint16(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for s, l := range lens {
		if l > 0 {
			codes[s] = bits.Reverse16(next[l]) >> (16 - l)
			next[l]++
		}
	}
}

// lengths sets lens to the code lengths of a Huffman code for freq limited
// to maxBits. Symbols with a zero frequency get no code, except that the
// code always has at least two symbols, so it is complete: every inflater
// accepts it (one-symbol codes are a corner some reject).
func lengths(freq []uint32, maxBits int, lens []uint8) {
	type leaf struct {
		sym  int
		freq uint32
	}
	var buf [286]leaf
	leaves := buf[:0]
	for s, f := range freq {
		lens[s] = 0
		if f > 0 {
			leaves = append(leaves, leaf{s, f})
		}
	}
	for s := 0; len(leaves) < 2; s++ {
		if freq[s] == 0 {
			leaves = append(leaves, leaf{s, 1})
		}
	}
	slices.SortFunc(leaves, func(a, b leaf) int {
		if a.freq != b.freq {
			return int(a.freq) - int(b.freq)
		}
		return a.sym - b.sym
	})
	// Huffman's algorithm with two queues: leaves in order, then internal
	// nodes as they are made (their weights never decrease).
	n := len(leaves)
	var weight, parent [2 * 286]uint32
	for i, l := range leaves {
		weight[i] = l.freq
	}
	li, qi, next := 0, n, n
	pick := func() int {
		if li < n && (qi >= next || weight[li] <= weight[qi]) {
			li++
			return li - 1
		}
		qi++
		return qi - 1
	}
	for next < 2*n-1 {
		a, b := pick(), pick()
		weight[next] = weight[a] + weight[b]
		parent[a], parent[b] = uint32(next), uint32(next)
		next++
	}
	// Depths from the root (the last node) down.
	var depth [2 * 286]uint8
	var count [64]int
	for i := 2*n - 3; i >= 0; i-- {
		depth[i] = min(depth[parent[i]]+1, 63)
		if i < n {
			count[depth[i]]++
		}
	}
	// Limit the lengths (as miniz does): fold the deeper levels into
	// maxBits, then lengthen shorter codes until the Kraft sum is 1.
	for l := maxBits + 1; l < len(count); l++ {
		count[maxBits] += count[l]
		count[l] = 0
	}
	total := 0
	for l := 1; l <= maxBits; l++ {
		total += count[l] << (maxBits - l)
	}
	for ; total > 1<<maxBits; total-- {
		count[maxBits]--
		for l := maxBits - 1; l > 0; l-- {
			if count[l] > 0 {
				count[l]--
				count[l+1] += 2
				break
			}
		}
	}
	// The least frequent symbols get the longest codes.
	i := 0
	for l := maxBits; l > 0; l-- {
		for k := 0; k < count[l]; k++ {
			lens[leaves[i].sym] = uint8(l)
			i++
		}
	}
}

// writeBlock codes the tokens of s as one block (not final), with dynamic
// Huffman codes or the fixed ones, whichever takes fewer bits.
func (e *lzEncoder) writeBlock(dst []byte, s *scratch) []byte {
	s.lit[256] = 1 // end of block
	var litLen [286]uint8
	var distLen [30]uint8
	lengths(s.lit[:], 15, litLen[:])
	lengths(s.dist[:], 15, distLen[:])
	nlit, ndist := 286, 30
	for nlit > 257 && litLen[nlit-1] == 0 {
		nlit--
	}
	for ndist > 1 && distLen[ndist-1] == 0 {
		ndist--
	}
	// The code lengths, run-length coded with symbols 16–18.
	var seq [286 + 30]uint8
	copy(seq[:], litLen[:nlit])
	copy(seq[nlit:], distLen[:ndist])
	var rle [286 + 30][2]uint8 // symbol, extra value
	nrle := 0
	var clFreq [19]uint32
	add := func(sym, extra uint8) {
		rle[nrle] = [2]uint8{sym, extra}
		nrle++
		clFreq[sym]++
	}
	all := seq[:nlit+ndist]
	for i := 0; i < len(all); {
		v, r := all[i], 1
		for i+r < len(all) && all[i+r] == v {
			r++
		}
		i += r
		if v == 0 {
			for r >= 11 {
				k := min(r, 138)
				add(18, uint8(k-11))
				r -= k
			}
			if r >= 3 {
				add(17, uint8(r-3))
				r = 0
			}
		} else {
			add(v, 0)
			r--
			for r >= 3 {
				k := min(r, 6)
				add(16, uint8(k-3))
				r -= k
			}
		}
		for ; r > 0; r-- {
			add(v, 0)
		}
	}
	var clLen [19]uint8
	lengths(clFreq[:], 7, clLen[:])
	nclen := 19
	for nclen > 4 && clLen[clOrder[nclen-1]] == 0 {
		nclen--
	}
	// Cost of each choice, leaving out the extra bits both pay.
	dynBits := 14 + 3*nclen
	for sym, f := range clFreq {
		dynBits += int(f) * int(clLen[sym])
	}
	dynBits += int(clFreq[16])*2 + int(clFreq[17])*3 + int(clFreq[18])*7
	fixBits := 0
	for sym, f := range s.lit {
		dynBits += int(f) * int(litLen[sym])
		fixBits += int(f) * int(fixedLitLen[sym])
	}
	for sym, f := range s.dist {
		dynBits += int(f) * int(distLen[sym])
		fixBits += int(f) * 5
	}
	var litCode [286]uint16
	var distCod [30]uint16
	lLen, lCode, dLen, dCode := fixedLitLen[:], fixedLitCode[:], fixedDistLen[:], fixedDistCod[:]
	if fixBits <= dynBits {
		dst = e.put(dst, 1<<1, 3) // BFINAL=0, BTYPE=01
	} else {
		canonical(litLen[:], litCode[:])
		canonical(distLen[:], distCod[:])
		var clCode [19]uint16
		canonical(clLen[:], clCode[:])
		dst = e.put(dst, 2<<1, 3) // BFINAL=0, BTYPE=10
		dst = e.put(dst, uint64(nlit-257)|uint64(ndist-1)<<5|uint64(nclen-4)<<10, 14)
		for _, sym := range clOrder[:nclen] {
			dst = e.put(dst, uint64(clLen[sym]), 3)
		}
		for _, r := range rle[:nrle] {
			sym := r[0]
			dst = e.put(dst, uint64(clCode[sym]), uint(clLen[sym]))
			switch sym {
			case 16:
				dst = e.put(dst, uint64(r[1]), 2)
			case 17:
				dst = e.put(dst, uint64(r[1]), 3)
			case 18:
				dst = e.put(dst, uint64(r[1]), 7)
			}
		}
		lLen, lCode, dLen, dCode = litLen[:], litCode[:], distLen[:], distCod[:]
	}
	for _, t := range s.tokens {
		if t&matchFlag == 0 {
			dst = e.put(dst, uint64(lCode[t]), uint(lLen[t]))
			continue
		}
		l := int(t>>16) & 0xff
		d := int(t & 0xffff)
		lc := lenCode[l]
		sym := 257 + int(lc)
		dst = e.put(dst, uint64(lCode[sym])|uint64(l+3-int(lengthBase[lc]))<<lLen[sym], uint(lLen[sym])+uint(lengthExtra[lc]))
		dc := distCode(d)
		dbits := uint(0)
		if dc >= 4 {
			dbits = uint(dc/2 - 1)
		}
		dst = e.put(dst, uint64(dCode[dc])|uint64(d+1-int(distBase[dc]))<<dLen[dc], uint(dLen[dc])+dbits)
	}
	return e.put(dst, uint64(lCode[256]), uint(lLen[256]))
}
