package flatbuffers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// TestKwargsMatchCBOR: appendKwargs writes cbor.AppendDict's bytes and
// errors, on both of its paths.
func TestKwargsMatchCBOR(t *testing.T) {
	many := wamp.Dict{}
	for i := range maxFastKwargs + 1 {
		many[fmt.Sprint("k", i)] = i
	}
	long := strings.Repeat("é", 200)
	for _, d := range []wamp.Dict{
		nil, {}, {"a": int64(1), "b": 2.5},
		{"bb": 1, "a": nil, "ccc": true, "ab": "x", "b": []byte{1}, "": false, "zz": uint64(1) << 63, "é": -7},
		{long: long, long[:30]: long[:300], long[:2]: []string{"x", long}},
		{"k": wamp.List{int64(1)}, "j": 1},
		{"k": wamp.Dict{"n": wamp.Dict{}}},
		{"bad": struct{}{}},
		{"bad": wamp.List{struct{}{}}},
		many,
	} {
		want, wantErr := cbor.AppendDict([]byte{7}, d)
		got, err := appendKwargs([]byte{7}, d)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%v: error %v, want %v", d, err, wantErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Errorf("%v: %x, want %x", d, got, want)
		}
	}
}
