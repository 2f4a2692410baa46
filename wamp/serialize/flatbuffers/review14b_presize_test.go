package flatbuffers

import (
	"runtime"
	"testing"
)

// The args decoder sized a map for its head's pair count before reading a
// key, as package cbor's did: 2 MiB of garbage behind a map head asked for
// some 80 MiB. It should allocate in proportion to what it decodes.
func TestReview14bArgsMapCountDoesNotPresize(t *testing.T) {
	dict := make([]byte, 2<<20)
	dict[0] = 0xba                                           // map, 4-byte count
	dict[1], dict[2], dict[3], dict[4] = 0, 0x0f, 0xff, 0xf0 // ~1 Mi pairs
	dict[5], dict[6] = 0x61, 'k'                             // one key, a value (0), then garbage
	dict[8] = 0xff                                           // a stray break: malformed
	var before, after runtime.MemStats
	st := valueSlab{size: min(len(dict), slabSize)}
	runtime.ReadMemStats(&before)
	_, err := decodeCBOR(dict, &st)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("decodeCBOR accepted garbage")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > uint64(len(dict)) {
		t.Fatalf("decoding %d bytes that hold one pair allocated %d bytes", len(dict), n)
	}
}
