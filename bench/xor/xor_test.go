package xor

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/xor"
	"github.com/gobwas/ws"
)

type masker struct {
	name string
	mask func(b []byte, key [4]byte, pos int)
}

var maskers = []masker{
	{"autobahn", func(b []byte, key [4]byte, pos int) { xor.Mask(b, key, pos) }},
	{"gobwas", ws.Cipher},
}

// TestSameResult checks the peers agree, so the benchmark compares like with like.
func TestSameResult(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := range 600 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		key := [4]byte{byte(n), 0x5a, 0xc3, 0x11}
		var outs [][]byte
		for _, m := range maskers {
			b := bytes.Clone(src)
			m.mask(b, key, n%4)
			outs = append(outs, b)
		}
		for i := 1; i < len(outs); i++ {
			if !bytes.Equal(outs[0], outs[i]) {
				t.Fatalf("n=%d: %s and %s differ", n, maskers[0].name, maskers[i].name)
			}
		}
	}
}

var sizes = []int{16, 125, 1 << 10, 16 << 10, 1 << 20}

func BenchmarkMask(b *testing.B) {
	for _, n := range sizes {
		for _, m := range maskers {
			b.Run(fmt.Sprintf("size=%d/lib=%s", n, m.name), func(b *testing.B) {
				buf := make([]byte, n)
				key := [4]byte{1, 2, 3, 4}
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					m.mask(buf, key, 0)
				}
			})
		}
	}
}
