package deflate

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// lzEncoder is a small DEFLATE (RFC 1951) compressor for permessage-deflate
// with context takeover, where a compressor lives as long as its
// connection. It matches with lazy evaluation (as zlib does) over a
// sliding window of at most 1<<wbits bytes, through a hash table of 8-way
// buckets, and codes each block with dynamic or fixed Huffman codes,
// whichever is shorter. Its whole state is the window plus some slack and
// a 16 KiB table: 56 KiB at the default 32 KiB window, where the writers
// of compress/flate and klauspost/compress/flate keep 0.8–1.4 MB each,
// whatever the window (see BENCHMARKS.md). Any window from 256 bytes to
// 32 KiB is honoured, so a server can grant every server_max_window_bits.
type lzEncoder struct {
	window int    // longest distance a match may reach back
	hist   []byte // up to window bytes of history, then the bytes being coded
	pos    int64  // position in the stream of hist[0]
	// table maps the hash of 4 bytes to the low 16 bits of the stream
	// positions where they last occurred, most recent first; candidates
	// are checked against hist, so stale entries cost only a missed match.
	table *[1 << lzHashBits][lzWays]uint16
	bits  uint64 // pending output bits, LSB first
	nbits uint
	begun bool // a block of the current message was written
}

const (
	lzHashBits = 10
	lzWays     = 8
	lzMinMatch = 4
	lzMaxMatch = 258
	lzGoodLen  = 32 // a match this long is taken without looking further
)

// slack is how much input an encoder takes per step beyond its window; the
// history moves once per step, and each step is one block. 8 KiB at the
// default window makes the buffer exactly 40 KiB, five runtime pages.
func slack(window int) int { return min(8<<10, max(1<<10, window/4)) }

func newLZ(wbits int) *lzEncoder {
	return &lzEncoder{window: 1 << wbits, table: new([1 << lzHashBits][lzWays]uint16)}
}

// reset forgets everything, for an encoder taken from a pool (no context
// takeover); the output then depends only on the message.
func (e *lzEncoder) reset() {
	e.hist = e.hist[:0]
	e.pos = 0
	clear(e.table[:])
	e.bits, e.nbits, e.begun = 0, 0, false
}

// encode appends the coded form of p, the next piece of a message, to dst.
// On the final piece it ends the message with an empty stored block, whose
// 00 00 ff ff tail it leaves out (RFC 7692 §7.2.1). A message given whole
// (whole: p is all of it) that does not shrink is sent in stored blocks
// instead; the history is the same either way.
func (e *lzEncoder) encode(dst, p []byte, final, whole bool) []byte {
	start, msg := len(dst), p
	if len(p) > 0 {
		s := scratchPool.Get().(*scratch)
		for len(p) > 0 {
			e.makeRoom()
			k := min(len(p), cap(e.hist)-len(e.hist))
			from := len(e.hist)
			e.hist = append(e.hist, p[:k]...)
			p = p[k:]
			e.match(s, from)
			dst = e.writeBlock(dst, s)
			e.begun = true
		}
		scratchPool.Put(s)
	}
	if !final {
		return dst
	}
	dst = e.put(dst, 0, 3) // empty stored block: BFINAL=0, BTYPE=00 …
	dst = e.align(dst)     // … whose LEN/NLEN (00 00 ff ff) are left out
	e.begun = false
	if whole && len(dst)-start > storedSize(len(msg)) {
		dst = appendStored(dst[:start], msg)
	}
	return dst
}

// storedSize is the size of n bytes sent in stored blocks.
func storedSize(n int) int { return n + 5*max(1, (n+65534)/65535) + 1 }

// appendStored appends p as stored blocks (BFINAL=0, byte aligned: one
// header byte, LEN, NLEN) and the final empty block's header byte.
func appendStored(dst, p []byte) []byte {
	for {
		k := min(len(p), 65535)
		dst = append(dst, 0, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		dst = append(dst, p[:k]...)
		p = p[k:]
		if len(p) == 0 {
			return append(dst, 0)
		}
	}
}

// makeRoom lets at least one more byte into hist, dropping history older
// than the window.
func (e *lzEncoder) makeRoom() {
	if e.hist == nil {
		e.hist = make([]byte, 0, e.window+slack(e.window))
	}
	if len(e.hist) < cap(e.hist) {
		return
	}
	n := len(e.hist) - e.window
	copy(e.hist, e.hist[n:])
	e.hist = e.hist[:e.window]
	e.pos += int64(n)
}

// scratch is the per-block state, pooled: the tokens of a block and their
// symbol frequencies.
type scratch struct {
	tokens []uint32 // literal byte, or matchFlag | (length-3)<<16 | (dist-1)
	lit    [286]uint32
	dist   [30]uint32
}

const matchFlag = 1 << 31

var scratchPool = sync.Pool{New: func() any { return &scratch{tokens: make([]uint32, 0, 8<<10)} }}

func (s *scratch) literal(b byte) {
	s.tokens = append(s.tokens, uint32(b))
	s.lit[b]++
}

func (s *scratch) match(n, dist int) {
	s.tokens = append(s.tokens, matchFlag|uint32(n-3)<<16|uint32(dist-1))
	s.lit[257+int(lenCode[n-3])]++
	s.dist[distCode(dist-1)]++
}

// find returns the longest match for hist[i:end] among the bucket's
// candidates (length 0 if none) and enters i into the bucket.
func (e *lzEncoder) find(i, end int) (n, dist int) {
	h := e.hist
	x := binary.LittleEndian.Uint32(h[i:])
	b := &e.table[hash4(x)]
	cur := uint16(e.pos + int64(i))
	for k := range b {
		d := int(cur - b[k])
		if d == 0 || d > e.window || d > i {
			continue
		}
		c := i - d
		if binary.LittleEndian.Uint32(h[c:]) != x {
			continue
		}
		if l := lzMinMatch + matchLen(h[c+lzMinMatch:], h[i+lzMinMatch:end], lzMaxMatch-lzMinMatch); l > n {
			n, dist = l, d
		}
	}
	copy(b[1:], b[:lzWays-1])
	b[0] = cur
	return n, dist
}

// insert enters positions [from, to) into the table.
func (e *lzEncoder) insert(from, to int) {
	h := e.hist
	for j := from; j < to; j++ {
		b := &e.table[hash4(binary.LittleEndian.Uint32(h[j:]))]
		copy(b[1:], b[:lzWays-1])
		b[0] = uint16(e.pos + int64(j))
	}
}

// match turns hist[from:] into tokens, matching against everything before
// it within the window: a match found at i is kept unless the one at i+1
// is longer (lazy evaluation, as zlib does).
func (e *lzEncoder) match(s *scratch, from int) {
	s.tokens = s.tokens[:0]
	clear(s.lit[:])
	clear(s.dist[:])
	end := len(e.hist)
	last := end - lzMinMatch + 1 // positions that have 4 bytes to hash
	i, next := from, from        // next: first position not in the table
	pend, pdist := 0, 0          // a match found at i-1, waiting
	emit := func(at, n, dist int) int {
		s.match(n, dist)
		e.insert(next, min(at+n, last))
		next = max(next, at+n)
		return at + n
	}
	for i < last {
		n, dist := e.find(i, end)
		next = i + 1
		switch {
		case pend > 0 && n > pend:
			s.literal(e.hist[i-1])
			pend, pdist = n, dist
			i++
		case pend > 0:
			i = emit(i-1, pend, pdist)
			pend = 0
		case n >= lzGoodLen:
			i = emit(i, n, dist)
		case n > 0:
			pend, pdist = n, dist
			i++
		default:
			s.literal(e.hist[i])
			i++
		}
	}
	if pend > 0 {
		i = emit(i-1, pend, pdist)
	}
	for ; i < end; i++ {
		s.literal(e.hist[i])
	}
}

func hash4(x uint32) uint32 { return (x * 0x9e3779b1) >> (32 - lzHashBits) }

// matchLen returns how many leading bytes a and b share, at most max.
func matchLen(a, b []byte, max int) int {
	if len(b) > max {
		b = b[:max]
	}
	n := 0
	for n+8 <= len(b) {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// put appends the n low bits of v to the bit stream, writing whole
// 32-bit words to dst.
func (e *lzEncoder) put(dst []byte, v uint64, n uint) []byte {
	e.bits |= v << e.nbits
	e.nbits += n
	if e.nbits >= 32 {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(e.bits))
		e.bits >>= 32
		e.nbits -= 32
	}
	return dst
}

// align writes the pending bits, padding the last byte with zeros.
func (e *lzEncoder) align(dst []byte) []byte {
	for e.nbits > 0 {
		dst = append(dst, byte(e.bits))
		e.bits >>= 8
		e.nbits -= min(e.nbits, 8)
	}
	e.bits = 0
	return dst
}
