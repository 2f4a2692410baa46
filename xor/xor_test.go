package xor_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/xor"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// reference is the definition: one byte at a time.
func reference(dst, src []byte, key [4]byte, pos int) int {
	for i := range src {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	return (pos + len(src)) & 3
}

var testKey = [4]byte{0x9a, 0x3c, 0xe5, 0x71}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestDispatch(t *testing.T) {
	nvxtest.CheckRequired(t, xor.Kernel)
}

// TestAllImplementations compares every implementation with the reference for
// every length 0..maxLen, every key position and every start offset 0..63,
// both in place (Mask) and into another buffer (MaskCopy), and checks that
// no byte around the range is touched.
func TestAllImplementations(t *testing.T) {
	maxLen, offsets := 2048, 64
	reduced := testing.Short() || nvxtest.Race
	if reduced { // emulated CPUs or the race detector: fewer lengths and offsets
		maxLen, offsets = 1100, 8
	}
	r := rand.New(rand.NewPCG(1, 2))
	data := randBytes(r, maxLen)
	var want [4][]byte
	for pos := range 4 {
		want[pos] = make([]byte, maxLen)
		reference(want[pos], data, testKey, pos)
	}
	const pad = 64
	const fill = 0xEE
	buf := make([]byte, pad+maxLen+pad+64)
	dst := make([]byte, len(buf))
	filled := bytes.Repeat([]byte{fill}, len(buf))
	nvxtest.ForEachImpl(t, xor.Kernel, func(t *testing.T) {
		for off := range offsets {
			if reduced && off > 4 {
				off = off*8 - 1 // 0..4, 39, 47, 55
			}
			for n := 0; n <= maxLen; n++ {
				for pos := range 4 {
					end := off + n + pad
					copy(buf[:end], filled)
					copy(dst[:end], filled)
					copy(buf[off:], data[:n])
					if got := xor.Mask(buf[off:off+n], testKey, pos); got != (pos+n)&3 {
						t.Fatalf("Mask(n=%d, pos=%d) returned %d", n, pos, got)
					}
					if !bytes.Equal(buf[off:off+n], want[pos][:n]) {
						t.Fatalf("Mask n=%d pos=%d off=%d: wrong bytes", n, pos, off)
					}
					checkFill(t, "Mask", buf[:end], off, n, filled)

					copy(buf[off:], data[:n])
					if got := xor.MaskCopy(dst[off:off+n], buf[off:off+n], testKey, pos); got != (pos+n)&3 {
						t.Fatalf("MaskCopy(n=%d, pos=%d) returned %d", n, pos, got)
					}
					if !bytes.Equal(dst[off:off+n], want[pos][:n]) {
						t.Fatalf("MaskCopy n=%d pos=%d off=%d: wrong bytes", n, pos, off)
					}
					if !bytes.Equal(buf[off:off+n], data[:n]) {
						t.Fatalf("MaskCopy n=%d pos=%d off=%d: changed src", n, pos, off)
					}
					checkFill(t, "MaskCopy", dst[:end], off, n, filled)
				}
			}
		}
	})
}

// checkFill fails t if b outside [off, off+n) differs from filled.
func checkFill(t *testing.T, what string, b []byte, off, n int, filled []byte) {
	t.Helper()
	if !bytes.Equal(b[:off], filled[:off]) || !bytes.Equal(b[off+n:], filled[off+n:len(b)]) {
		t.Fatalf("%s n=%d off=%d wrote outside its range", what, n, off)
	}
}

// TestLarge runs random large lengths and misalignments, and checks that
// masking twice gives the input back.
func TestLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rounds := 40
	if testing.Short() || nvxtest.Race {
		rounds = 8
	}
	nvxtest.ForEachImpl(t, xor.Kernel, func(t *testing.T) {
		for range rounds {
			n := r.IntN(1 << 20)
			off := r.IntN(64)
			pos := r.IntN(4)
			var key [4]byte
			binary.LittleEndian.PutUint32(key[:], r.Uint32())
			src := randBytes(r, n+off)[off:]
			want := make([]byte, n)
			reference(want, src, key, pos)
			got := bytes.Clone(src)
			xor.Mask(got, key, pos)
			if !bytes.Equal(got, want) {
				t.Fatalf("Mask n=%d off=%d pos=%d: wrong bytes", n, off, pos)
			}
			xor.Mask(got, key, pos)
			if !bytes.Equal(got, src) {
				t.Fatalf("Mask twice n=%d: not the identity", n)
			}
		}
	})
}

// TestPieces masks a payload in random pieces, carrying the key position, as
// a WebSocket reader does with a frame that arrives in several reads.
func TestPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	src := randBytes(r, 100_000)
	want := make([]byte, len(src))
	reference(want, src, testKey, 0)
	nvxtest.ForEachImpl(t, xor.Kernel, func(t *testing.T) {
		got := bytes.Clone(src)
		pos := 0
		for b := got; len(b) > 0; {
			k := min(len(b), r.IntN(300))
			pos = xor.Mask(b[:k], testKey, pos)
			b = b[k:]
		}
		if !bytes.Equal(got, want) {
			t.Fatal("masking in pieces differs from masking at once")
		}
	})
}

// TestGuardPages puts the input flush against PROT_NONE pages on either side:
// a kernel that reads or writes past either end crashes the test.
func TestGuardPages(t *testing.T) {
	const size = 4096
	after, before := nvxtest.Guarded(t, size)
	other, _ := nvxtest.Guarded(t, size)
	r := rand.New(rand.NewPCG(7, 8))
	data := randBytes(r, size)
	want := make([]byte, size)
	nvxtest.ForEachImpl(t, xor.Kernel, func(t *testing.T) {
		for n := 1; n <= size; n++ {
			if n > 600 && n%61 != 0 && n != size {
				continue
			}
			pos := n & 3
			reference(want[:n], data[:n], testKey, pos)
			for _, b := range [][]byte{after[:n], before[size-n:]} {
				copy(b, data[:n])
				xor.Mask(b, testKey, pos)
				if !bytes.Equal(b, want[:n]) {
					t.Fatalf("n=%d: wrong bytes next to a guard page", n)
				}
				// src against a guard page, dst against another one.
				copy(b, data[:n])
				xor.MaskCopy(other[size-n:], b, testKey, pos)
				if !bytes.Equal(other[size-n:], want[:n]) {
					t.Fatalf("MaskCopy n=%d: wrong bytes next to a guard page", n)
				}
			}
		}
	})
}

func TestMaskCopyShortDst(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MaskCopy with a short dst did not panic")
		}
	}()
	xor.MaskCopy(make([]byte, 3), make([]byte, 4), testKey, 0)
}

func TestPositionWraps(t *testing.T) {
	for _, pos := range []int{-5, -1, 4, 7, math.MaxInt32} {
		a, b := []byte("hello, websocket"), []byte("hello, websocket")
		next := xor.Mask(a, testKey, pos)
		reference(b, b, testKey, pos&3)
		if !bytes.Equal(a, b) || next != (pos+len(a))&3 {
			t.Fatalf("pos=%d: got next %d", pos, next)
		}
	}
}

func TestSelectUnknown(t *testing.T) {
	if err := nvx.Select(xor.Kernel, "avx1024"); err == nil {
		t.Fatal("Select of an unknown implementation succeeded")
	}
}

func FuzzMask(f *testing.F) {
	f.Add([]byte("The quick brown fox"), uint32(0x12345678), 1, 0)
	f.Add(make([]byte, 300), uint32(0xdeadbeef), 3, 5)
	f.Fuzz(func(t *testing.T, data []byte, key uint32, pos, split int) {
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], key)
		want := make([]byte, len(data))
		wantNext := reference(want, data, k, pos&3)
		if split < 0 {
			split = -split
		}
		if len(data) > 0 {
			split %= len(data) + 1
		} else {
			split = 0
		}
		defer nvx.Reset(xor.Kernel)
		for _, name := range nvx.List(xor.Kernel) {
			if err := nvx.Select(xor.Kernel, name); err != nil {
				t.Fatal(err)
			}
			got := bytes.Clone(data)
			p := xor.Mask(got[:split], k, pos)
			p = xor.Mask(got[split:], k, p)
			if !bytes.Equal(got, want) || p != wantNext {
				t.Fatalf("%s: split %d differs from the reference", name, split)
			}
			dst := make([]byte, len(data))
			if xor.MaskCopy(dst, data, k, pos) != wantNext || !bytes.Equal(dst, want) {
				t.Fatalf("%s: MaskCopy differs from the reference", name)
			}
		}
	})
}

func ExampleMask() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d} // RFC 6455 §5.7
	payload := []byte("Hello")
	xor.Mask(payload, key, 0)
	fmt.Printf("% x\n", payload)
	xor.Mask(payload, key, 0) // masking twice unmasks
	fmt.Println(string(payload))
	// Output:
	// 7f 9f 4d 51 58
	// Hello
}

func ExampleMaskCopy() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	masked := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	// A frame that arrived in two reads: carry the key position over.
	out := make([]byte, len(masked))
	pos := xor.MaskCopy(out[:2], masked[:2], key, 0)
	xor.MaskCopy(out[2:], masked[2:], key, pos)
	fmt.Println(string(out))
	// Output: Hello
}
