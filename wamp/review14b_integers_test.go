package wamp_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// asBig returns the value of any Go integer as a big.Int.
func asBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int8, int16, int32, int64, int:
		n, _ := wamp.AsInt64(x)
		return big.NewInt(n), true
	case uint8:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint16:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint32:
		return new(big.Int).SetUint64(uint64(x)), true
	case uint64:
		return new(big.Int).SetUint64(x), true
	case uint:
		return new(big.Int).SetUint64(uint64(x)), true
	case wamp.ID:
		return new(big.Int).SetUint64(uint64(x)), true
	}
	return nil, false
}

// Every integer type the encoders take (package wamp's value types and
// "other integer widths") arrives as the same number through every
// serializer, or is refused. JSON wrote a uint above MaxInt64 as 0, and
// UBJSON a wamp.ID above MaxInt64 as a negative number, both silently.
func TestReview14bIntegerWidthsKeepTheirValue(t *testing.T) {
	vals := []any{
		int8(math.MinInt8), int8(math.MaxInt8), int16(math.MinInt16), int16(math.MaxInt16),
		int32(math.MinInt32), int32(math.MaxInt32), int64(math.MinInt64), int64(math.MaxInt64),
		int(math.MinInt64), int(math.MaxInt64),
		uint8(math.MaxUint8), uint16(math.MaxUint16), uint32(math.MaxUint32), uint64(math.MaxUint64),
		uint(math.MaxUint64), uint(1 << 63), uint(7),
		wamp.ID(math.MaxUint64), wamp.ID(1 << 63), wamp.MaxID, wamp.ID(1),
	}
	for _, s := range append(serializers, flatbuffers.Serializer{}) {
		for _, v := range vals {
			want, _ := asBig(v)
			m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.int", Args: wamp.List{v}, Kwargs: wamp.Dict{"v": v}}
			b, err := s.AppendMessage(nil, m)
			if err != nil {
				continue // refused: fine
			}
			got, err := s.Unmarshal(b)
			if err != nil {
				t.Errorf("%s, %T %v: encoded, but decoding: %v", s.Name(), v, v, err)
				continue
			}
			c := got.(*wamp.Call)
			for _, g := range []any{c.Args[0], c.Kwargs["v"]} {
				if n, ok := asBig(g); !ok || n.Cmp(want) != 0 {
					t.Errorf("%s, %T %v: arrived as %T %v", s.Name(), v, v, g, g)
				}
			}
		}
	}
}
