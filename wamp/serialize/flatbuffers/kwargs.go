package flatbuffers

import (
	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// maxFastKwargs is the most keys appendKwargs sorts on the stack.
const maxFastKwargs = 16

// appendKwargs appends kwargs as cbor.AppendDict does, byte for byte
// (keys in bytewise order of their encoding: shorter first), in one pass
// over the map instead of a pass for the keys and a lookup per key. A
// dict with more keys or with nested containers (whose depth limit
// cbor.AppendDict counts from the dict) goes to cbor.AppendDict.
func appendKwargs(b []byte, d wamp.Dict) ([]byte, error) {
	if len(d) > maxFastKwargs {
		return cbor.AppendDict(b, d)
	}
	type pair struct {
		k string
		v any
	}
	var stack [maxFastKwargs]pair
	n := 0
	for k, v := range d {
		switch v.(type) {
		case []any, map[string]any:
			return cbor.AppendDict(b, d)
		}
		// Insertion sort: kwargs are a handful of keys.
		i := n
		for ; i > 0 && keyLess(k, stack[i-1].k); i-- {
			stack[i] = stack[i-1]
		}
		stack[i] = pair{k, v}
		n++
	}
	b = append(b, majorMap|byte(n)) // n < 24: the count is in the initial byte
	for _, p := range stack[:n] {
		b = appendText(b, p.k)
		if !utf8.Valid(b[len(b)-len(p.k):]) { // the copy, as package cbor checks its strings
			return b, errInvalidUTF8
		}
		var err error
		if b, err = cbor.AppendValue(b, p.v); err != nil {
			return b, err
		}
	}
	return b, nil
}

// keyLess orders dict keys as package cbor does: shorter first, then bytes.
func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// appendText appends a CBOR text string.
func appendText(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 24:
		b = append(b, majorText|byte(n))
	case n <= 0xff:
		b = append(b, majorText|24, byte(n))
	case n <= 0xffff:
		b = append(b, majorText|25, byte(n>>8), byte(n))
	case uint64(n) <= 0xffffffff:
		b = append(b, majorText|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		b = append(b, majorText|27, byte(uint64(n)>>56), byte(uint64(n)>>48), byte(uint64(n)>>40), byte(uint64(n)>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}
