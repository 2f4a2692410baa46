package wamp_test

import (
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// nested wraps inner in k lists (or dicts).
func nested(k int, dict bool, inner any) any {
	v := inner
	for range k {
		if dict {
			v = wamp.Dict{"k": v}
		} else {
			v = wamp.List{v}
		}
	}
	return v
}

// Whatever a serializer encodes, the same serializer decodes: at the
// nesting limits too. JSON and UBJSON wrote a list or dict at depth
// MaxDepth (and UBJSON a binary value, which is a container there) that
// their decoders refused, and CBOR counted the message's Arguments one
// level shallower than its decoder does: a client's Send succeeded and the
// router then dropped the session with a malformed-input error.
func TestReview14bEncodedNestingDecodes(t *testing.T) {
	inners := map[string]any{
		"empty list": wamp.List{},
		"empty dict": wamp.Dict{},
		"strings":    []string{"a"},
		"binary":     []byte{1, 2},
		"integer":    int64(7),
	}
	depths := []int{250, 251, 252, 253, 254, 255, 256, 257, 995, 996, 997, 998, 999, 1000, 1001}
	for _, s := range append(serializers, flatbuffers.Serializer{}) {
		for name, inner := range inners {
			for _, dict := range []bool{false, true} {
				accepted := 0
				for _, k := range depths {
					m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.deep",
						Args: wamp.List{nested(k, dict, inner)}, Kwargs: wamp.Dict{"x": nested(k, !dict, inner)}}
					b, err := s.AppendMessage(nil, m)
					if err != nil {
						continue // too deep for this serializer: an error, fine
					}
					accepted++
					got, err := s.Unmarshal(b)
					if err != nil {
						t.Errorf("%s, %s in %d %s: encoded, but decoding it: %v", s.Name(), name, k, kinds(dict), err)
						continue
					}
					if got.Type() != wamp.TypeCall || len(got.(*wamp.Call).Args) != 1 {
						t.Errorf("%s, %s in %d %s: decoded %#v", s.Name(), name, k, kinds(dict), got)
					}
				}
				if accepted == 0 {
					t.Errorf("%s, %s: no depth encoded", s.Name(), name)
				}
			}
		}
	}
}

func kinds(dict bool) string {
	return fmt.Sprint(map[bool]string{false: "lists", true: "dicts"}[dict])
}
