package bzip2

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// BenchmarkDecodeHello decodes what Autobahn|Python sends for a 34-byte
// message (level 9), the common case of a small message.
func BenchmarkDecodeHello(b *testing.B) {
	z, _ := hex.DecodeString(pythonHello)
	benchDecode(b, z, 34)
}

// BenchmarkDecode64K decodes a 64 KiB message compressed at level 9.
func BenchmarkDecode64K(b *testing.B) {
	msg := exttest.Message(rand.New(rand.NewPCG(3, 3)), 0, 64<<10)
	z, err := (&codec{level: 9}).Encode(nil, msg, true)
	if err != nil {
		b.Fatal(err)
	}
	benchDecode(b, z, len(msg))
}

func benchDecode(b *testing.B, z []byte, n int) {
	c := &codec{level: 9}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		var err error
		if out, err = c.Decode(out[:0], z, true, 1<<20); err != nil || len(out) != n {
			b.Fatal(len(out), err)
		}
	}
}

// BenchmarkCompleteTrees64K is the check Decode makes before it gives a
// stream to the pooled reader, on the stream of BenchmarkDecode64K.
func BenchmarkCompleteTrees64K(b *testing.B) {
	msg := exttest.Message(rand.New(rand.NewPCG(3, 3)), 0, 64<<10)
	z, err := (&codec{level: 9}).Encode(nil, msg, true)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(z)))
	for b.Loop() {
		if !completeTrees(z) {
			b.Fatal("refused")
		}
	}
}
