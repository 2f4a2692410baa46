package bzip2

import (
	"bytes"
	"encoding/binary"
)

// blockMagic starts every bzip2 block (the BCD digits of pi).
const blockMagic = 0x314159265359

// completeTrees reports whether every prefix tree of every block in z
// fills its code space (the Kraft sum of its code lengths is exactly 1),
// so that github.com/dsnet/compress's reader may decode z: for a tree that
// does not (under-subscribed, which no encoder writes), that reader
// explores the code space left empty, up to 2^20 codes per tree, a third
// of a CPU-second for an 80-byte block. It reports false too when the
// lookup tables that reader would fill for the trees take more than 256
// entries per byte of z (beyond four million, more than one block
// takes), and when it cannot tell within its budget.
//
// A block's trees come before its symbols, but the next block's position
// is known only once the symbols are decoded. Instead every bit offset
// where the 48-bit block magic occurs is taken as a possible block (every
// real block starts so, whatever its predecessors decode to), and its
// header is read as that reader reads it, up to its last tree. The work is
// bounded by the input: the magic is found a byte pattern at a time, and
// reading the headers may take at most twice the input's bits (real
// blocks' headers do not overlap, and a magic elsewhere is rare).
func completeTrees(z []byte) bool {
	r := treeReader{z: z, budget: 16*len(z) + 1<<12, tables: 256*len(z) + 1<<22}
	for shift := range uint(8) {
		// The magic at bit offset 8k+shift covers bytes k+1 to k+5
		// whole; those five bytes are searched, the rest checked.
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], blockMagic<<(16-shift))
		needle, skip := v[1:6], 1
		if shift == 0 {
			needle, skip = v[:6], 0
		}
		for i := 0; ; {
			j := bytes.Index(z[i:], needle)
			if j < 0 {
				break
			}
			i += j + 1
			k := i - 1 - skip // the byte the magic starts in
			if k < 0 {
				continue
			}
			r.pos = uint(8*k) + shift
			if m, ok := r.bits(48); !ok || m != blockMagic {
				continue
			}
			if !r.blockTrees() {
				return false
			}
			if r.budget < 0 || r.tables < 0 {
				return false
			}
		}
	}
	return true
}

// treeReader reads a bzip2 stream's bits, most significant first.
type treeReader struct {
	z      []byte
	pos    uint // in bits
	budget int  // bits left to read
	tables int  // lookup table entries left for dsnet's reader to fill
}

// bits reads n <= 56 bits; ok is false past the end of the input.
func (r *treeReader) bits(n uint) (v uint64, ok bool) {
	if r.pos+n > 8*uint(len(r.z)) {
		return 0, false
	}
	r.budget -= int(n)
	i := r.pos >> 3
	var w uint64
	if i+8 <= uint(len(r.z)) {
		w = binary.BigEndian.Uint64(r.z[i:])
	} else {
		for j := range uint(8) {
			w <<= 8
			if i+j < uint(len(r.z)) {
				w |= uint64(r.z[i+j])
			}
		}
	}
	w <<= r.pos & 7
	r.pos += n
	return w >> (64 - n), true
}

// blockTrees reads the block whose magic was just read up to its last
// prefix tree, with dsnet's reader's checks: it reports false for a tree
// that does not fill its code space, or when the budget is spent, and
// true when all trees fill theirs or the reader would stop (the input
// ends, or a field is invalid) before building a tree that does not.
func (r *treeReader) blockTrees() bool {
	// CRC (32), randomized (1), origin pointer (24).
	if rnd, ok := r.bits(32 + 1 + 24); !ok || rnd>>24&1 != 0 {
		return true
	}
	used, ok := r.bits(16)
	if !ok {
		return true
	}
	numSyms := 2
	for range 16 {
		if used&0x8000 != 0 {
			m, ok := r.bits(16)
			if !ok {
				return true
			}
			for ; m != 0; m &= m - 1 {
				numSyms++
			}
		}
		used <<= 1
	}
	if numSyms < 3 {
		return true
	}
	numTrees, ok := r.bits(3)
	if !ok || numTrees < 2 || numTrees > 6 {
		return true
	}
	numSels, ok := r.bits(15)
	if !ok {
		return true
	}
	for range numSels {
		sel := uint64(0)
		for {
			b, ok := r.bits(1)
			if !ok {
				return true
			}
			if b == 0 {
				break
			}
			if sel++; sel >= numTrees {
				return true // invalid selector (dsnet reads up to 6 ones)
			}
		}
		if r.budget < 0 {
			return false
		}
	}
	for range numTrees {
		l, ok := r.bits(5)
		if !ok {
			return true
		}
		clen := int(l)
		sum := 1 << 20
		var lens [21]int
		for range numSyms {
			for {
				if clen < 1 || clen > 20 {
					return true
				}
				b, ok := r.bits(1)
				if !ok {
					return true
				}
				if b == 0 {
					break
				}
				if b, ok = r.bits(1); !ok {
					return true
				}
				clen -= int(b*2) - 1
			}
			sum -= 1 << 20 >> clen
			lens[clen]++
			if r.budget < 0 {
				return false
			}
		}
		if sum != 0 {
			return false
		}
		// dsnet's reader looks codes up in a table of 2^min(max, 9)
		// entries and, for codes longer than 9 bits, in a table of
		// 2^(max-9) entries per 9-bit prefix they begin with: a
		// complete tree of 258 codes can take half a million entries,
		// for some 50 bytes. Codes are given in order of length, so
		// those of a length share a range of prefixes.
		maxLen := 20
		for lens[maxLen] == 0 {
			maxLen--
		}
		r.tables -= 1 << min(maxLen, 9)
		code, last, prefixes := 0, -1, 0
		for l := 1; l <= maxLen; l++ {
			if l > 9 && lens[l] > 0 {
				lo, hi := code>>(l-9), (code+lens[l]-1)>>(l-9)
				prefixes += hi - lo + 1
				if lo == last {
					prefixes--
				}
				last = hi
			}
			code = (code + lens[l]) << 1
		}
		if maxLen > 9 {
			r.tables -= prefixes << (maxLen - 9)
		}
	}
	return true
}
