package cbor_test

import (
	"bytes"
	"math"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// TestEncoderMatchesFxamacker compares the hand-written encoder with
// fxamacker/cbor's deterministic encoding of the same wire list.
func TestEncoderMatchesFxamacker(t *testing.T) {
	em, err := fxcbor.EncOptions{
		Sort:          fxcbor.SortBytewiseLexical,
		ShortestFloat: fxcbor.ShortestFloatNone,
		NilContainers: fxcbor.NilContainerAsEmpty,
	}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	msgs := []wamp.Message{
		&wamp.Call{Request: 1, Options: wamp.Dict{"timeout": int64(5), "receive_progress": true, "a": nil}, Procedure: "a.b",
			Args:   wamp.List{int64(-1), int64(-25), int64(math.MinInt64), uint64(math.MaxUint64), 1.5, "x", []byte{1}, wamp.List{}, int64(1 << 40)},
			Kwargs: wamp.Dict{"k": wamp.Dict{"long key with more than 24 bytes": "v", "z": int64(300)}, "b": int64(70000)}},
		&wamp.Event{Subscription: 1 << 53, Publication: 2, Details: nil, Payload: bytes.Repeat([]byte{7}, 300)},
		&wamp.Unregistered{Request: 4},
	}
	for _, m := range msgs {
		ours, err := cbor.Serializer{}.AppendMessage(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := em.Marshal(wamp.ToList(m))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%v:\nours   %x\ntheirs %x", m.Type(), ours, theirs)
		}
	}
}
