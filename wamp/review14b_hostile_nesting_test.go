package wamp_test

import (
	"bytes"
	"runtime/debug"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// Hostile nesting, 100,000 levels deep in every form each decoder takes
// (lists, dicts, indefinite lengths, typed containers, lengths given as
// values), is refused without a deep stack: with the goroutine stack
// limited to 8 MiB, unbounded recursion would be a fatal stack overflow.
func TestReview14bHostileNestingBounded(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	const deep = 100_000
	rep := func(unit string) []byte { return bytes.Repeat([]byte(unit), deep) }
	call := func(prefix string, body []byte) []byte { return append([]byte(prefix), body...) }
	cases := []struct {
		s  wamp.Serializer
		in []byte
	}{
		{json.Serializer{}, rep("[")},
		{json.Serializer{}, call(`[48,1,{},"a.b",`, rep("[{\"k\":"))},
		{msgpack.Serializer{}, rep("\x91")},
		{msgpack.Serializer{}, call("\x95\x30\x01\x80\xa3a.b", rep("\x81\xa1k"))},
		{msgpack.Serializer{}, rep("\xdc\x00\x01")},
		{cbor.Serializer{}, rep("\x81")},
		{cbor.Serializer{}, rep("\x9f")},
		{cbor.Serializer{}, call("\x85\x18\x30\x01\xa0\x63a.b", rep("\xbf\x61k"))},
		{cbor.Serializer{}, rep("\xc1")}, // tags
		{ubjson.Serializer{}, rep("[")},
		{ubjson.Serializer{}, rep("{U\x01k")},
		{ubjson.Serializer{}, rep("[$[#U\x01")},
		{ubjson.Serializer{}, rep("S")},
		{ubjson.Serializer{}, rep("H")},
		{ubjson.Serializer{}, rep("N[")},
	}
	for _, c := range cases {
		if _, err := c.s.Unmarshal(c.in); err == nil {
			t.Errorf("%s accepted %.12q…", c.s.Name(), c.in)
		}
	}
	// FlatBuffers carries Arguments as CBOR; a deep list there is refused
	// when encoding, so check its decoder through a valid message whose
	// args CBOR the encoder wrote at the limit (the decoder's own tests
	// cover deeper input).
	var s flatbuffers.Serializer
	args := wamp.List{}
	for range deep {
		args = wamp.List{args}
	}
	if _, err := s.AppendMessage(nil, &wamp.Call{Request: 1, Procedure: "a.b", Args: args}); err == nil {
		t.Error("flatbuffers encoded 100,000 levels")
	}
}
