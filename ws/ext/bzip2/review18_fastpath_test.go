package bzip2

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

// TestReview18SmallMessageAllocs: decoding with the standard library
// allocated the whole block array of the stream's level (3.6 MB at level
// 9, Autobahn|Python's default) for every message, 34 bytes or not. A
// stream whose prefix trees are complete, as every encoder writes them,
// is decoded by the pooled reader again.
func TestReview18SmallMessageAllocs(t *testing.T) {
	z, _ := hex.DecodeString(pythonHello)
	c := &codec{level: 1}
	const runs = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if out, err := c.Decode(nil, z, true, 1<<20); err != nil || len(out) != 34 {
			t.Fatal(len(out), err)
		}
	}
	runtime.ReadMemStats(&after)
	// A pool emptied by a collection costs one reader's buffers again, so
	// the bound is an average well under one block array per message.
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 256<<10 {
		t.Fatalf("decoding a 34-byte message allocates %d bytes", per)
	}
}

// realStreams returns streams of libbzip2 (testdata/libbzip2.bin, made by
// Python's bz2.compress: levels 1, 5, 9, empty to three blocks, and two
// streams one after the other) and of this package's writer at every
// level (and with three blocks at level 1 if big).
func realStreams(t testing.TB, big bool) map[string][]byte {
	streams := map[string][]byte{}
	b, err := os.ReadFile("testdata/libbzip2.bin")
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > 0 {
		nn, nz := int(binary.BigEndian.Uint16(b)), int(binary.BigEndian.Uint32(b[2:]))
		streams["libbzip2 "+string(b[6:6+nn])] = b[6+nn : 6+nn+nz]
		b = b[6+nn+nz:]
	}
	rng := rand.New(rand.NewPCG(18, 18))
	for level := 1; level <= 9; level++ {
		for kind, size := range []int{0, 1, 300, 5000, 250000} {
			if size > 100000 && (!big || level > 1) {
				continue
			}
			msg := exttest.Message(rng, kind%4, size)
			z, err := (&codec{level: level}).Encode(nil, msg, true)
			if err != nil {
				t.Fatal(err)
			}
			streams[fmt.Sprintf("dsnet level %d kind %d size %d", level, kind%4, size)] = z
		}
	}
	return streams
}

// TestReview18RealStreamsComplete: what encoders write passes the check
// and decodes as the standard library decodes it; the degenerate stream
// of review18_degenerate_test.go and one with over-subscribed trees do
// not pass.
func TestReview18RealStreamsComplete(t *testing.T) {
	for name, z := range realStreams(t, true) {
		if !completeTrees(z) {
			t.Errorf("%s: refused", name)
		}
		want, werr := extutil.ReadLimited(nil, stdbzip2.NewReader(bytes.NewReader(z)), 1<<20)
		got, err := (&codec{level: 1}).Decode(nil, z, true, 1<<20)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v; compress/bzip2 %d bytes, %v", name, len(got), err, len(want), werr)
		}
	}
	if completeTrees(degenerateStream(3)) {
		t.Error("under-subscribed trees pass")
	}
	// RUNA, RUNB and EOB at lengths 1, 1, 2: 1/2+1/2+1/4 > 1.
	if over := treesStream([]int{1, 1, 2}); refTrees(over).incomplete != 6 || completeTrees(over) {
		t.Errorf("over-subscribed trees pass (reference: %+v)", refTrees(over))
	}
}

// refResult is what refTrees finds.
type refResult struct {
	incomplete int // trees read whole whose code space is not exactly full
	bits       int // bits read
	tables     int // dsnet's lookup table entries for the complete trees
}

// refTrees is a plain reference for completeTrees: at every bit offset
// where the block magic occurs, it reads the block's header a bit at a
// time as bzip2 defines it, counting the trees read whole whose Kraft sum
// is not 1.
func refTrees(z []byte) refResult {
	var res refResult
	n := 8 * len(z)
	bit := func(i int) int { return int(z[i/8]>>(7-i%8)) & 1 }
	var magic uint64 // the 48 bits from start
	for i := range min(48, n) {
		magic = magic<<1 | uint64(bit(i))
	}
	for start := 0; start+48 <= n; start++ {
		if start > 0 {
			magic = (magic<<1 | uint64(bit(start+47))) & (1<<48 - 1)
		}
		if magic != blockMagic {
			continue
		}
		pos := start
		read := func(k int) (int, bool) {
			if pos+k > n {
				return 0, false
			}
			v := 0
			for range k {
				v = v<<1 | bit(pos)
				pos++
			}
			res.bits += k
			return v, true
		}
		pos += 48
		read(32) // CRC
		if rnd, ok := read(1); !ok || rnd != 0 {
			continue
		}
		if _, ok := read(24); !ok {
			continue
		}
		used, ok := read(16)
		if !ok {
			continue
		}
		syms := 2
		for i := range 16 {
			if used>>(15-i)&1 == 1 {
				m, ok := read(16)
				if !ok {
					syms = -1
					break
				}
				for j := range 16 {
					syms += m >> j & 1
				}
			}
		}
		if syms < 3 {
			continue
		}
		trees, ok := read(3)
		if !ok || trees < 2 || trees > 6 {
			continue
		}
		sels, ok := read(15)
		if !ok {
			continue
		}
		valid := true
		for range sels {
			v := 0
			for valid {
				b, ok := read(1)
				if !ok {
					valid = false
				} else if b == 0 {
					break
				} else if v++; v >= trees {
					valid = false
				}
			}
			if !valid {
				break
			}
		}
		for range trees {
			if !valid {
				break
			}
			clen, ok := read(5)
			if !ok {
				break
			}
			kraft := 0
			var lens [258]int
			for s := range syms {
				for valid {
					if clen < 1 || clen > 20 {
						valid = false
						break
					}
					b, ok := read(1)
					if !ok {
						valid = false
					} else if b == 0 {
						break
					} else if b, ok = read(1); !ok {
						valid = false
					} else if b == 0 {
						clen++
					} else {
						clen--
					}
				}
				if !valid {
					break
				}
				kraft += 1 << (20 - clen)
				lens[s] = clen
			}
			if valid && kraft != 1<<20 {
				res.incomplete++
			}
			if valid && kraft == 1<<20 {
				res.tables += dsnetTables(lens[:syms])
			}
		}
	}
	return res
}

// dsnetTables is the number of lookup table entries dsnet's reader fills
// for a complete tree of these code lengths: 2^9 (or 2^max if shorter),
// and 2^(max-9) for each 9-bit prefix of a canonical code longer than 9
// bits, codes given by length, then by symbol.
func dsnetTables(lens []int) int {
	longest := 0
	for _, l := range lens {
		longest = max(longest, l)
	}
	if longest <= 9 {
		return 1 << longest
	}
	prefixes := map[int]bool{}
	code := 0
	for l := 1; l <= 20; l++ {
		for _, sl := range lens {
			if sl == l {
				if l > 9 {
					prefixes[code>>(l-9)] = true
				}
				code++
			}
		}
		code <<= 1
	}
	return 1<<9 + len(prefixes)<<(longest-9)
}

// FuzzReview18DecodeVsStdlib: Decode gives what compress/bzip2 gives (the
// same bytes, or both an error), and the streams it does not give to the
// pooled reader are those with a prefix tree that does not fill its code
// space, by the reference refTrees, or that take dsnet's reader too many
// table entries (or past its budget of reading).
func FuzzReview18DecodeVsStdlib(f *testing.F) {
	for _, z := range realStreams(f, false) {
		if len(z) < 4096 {
			f.Add(z)
		}
	}
	f.Add(degenerateStream(2))
	f.Add(treesStream([]int{1, 1, 2}))
	f.Add(treesStream(completeLens, incompleteLens))
	f.Add(treesStream(wideLens(), wideLens()))
	f.Fuzz(func(t *testing.T, z []byte) {
		const limit = 1 << 16
		ref := refTrees(z)
		complete := completeTrees(z)
		if complete && ref.tables > 256*len(z)+1<<22 {
			t.Fatalf("completeTrees true, reference finds %+v", ref)
		}
		if complete && ref.incomplete != 0 ||
			!complete && ref.incomplete == 0 && ref.bits < 8*len(z) && ref.tables <= 256*len(z)+1<<22 {
			t.Fatalf("completeTrees %v, reference finds %+v", complete, ref)
		}
		got, err := (&codec{level: 1}).Decode(nil, z, true, limit)
		want, werr := extutil.ReadLimited(nil, stdbzip2.NewReader(bytes.NewReader(z)), limit)
		if (err != nil) != (werr != nil) || err == nil && !bytes.Equal(got, want) {
			t.Fatalf("complete %v: %d bytes, %v; compress/bzip2 %d bytes, %v", complete, len(got), err, len(want), werr)
		}
	})
}
