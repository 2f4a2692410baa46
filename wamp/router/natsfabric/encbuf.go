package natsfabric

import (
	"slices"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// Scratch buffers for encoding, reused: a message is encoded into one
// and copied out at its size, one allocation where appending to nil
// would grow the slice several times. Buffers that grew over maxScratch
// are dropped rather than pooled, which bounds the pool's memory by what
// the encodings running at once hold, each at most maxScratch.
const maxScratch = 16 << 10

var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encode returns the CBOR encoding of l; nil Args, Kwargs and Payload are
// encoded as null.
func encode(l wamp.List) ([]byte, error) {
	bp := scratch.Get().(*[]byte)
	b, err := cbor.AppendList((*bp)[:0], l)
	var out []byte
	if err == nil {
		out = slices.Clone(b)
	}
	if cap(b) > maxScratch {
		return out, err // dropped: the pool keeps small buffers only
	}
	if b != nil {
		*bp = b[:0]
	}
	scratch.Put(bp)
	return out, err
}
