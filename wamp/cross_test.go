package wamp_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

var serializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, ubjson.Serializer{}}

// TestCrossSerializers passes messages with binary payloads and edge values
// through every ordered pair of serializers.
func TestCrossSerializers(t *testing.T) {
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "com.bin", Args: wamp.List{bin, []byte{}, wamp.List{bin}},
			Kwargs: wamp.Dict{"b": bin, "nested": wamp.Dict{"x": bin}, "s": "ünï\x00code", "max": int64(math.MaxInt64), "min": int64(math.MinInt64), "f": -0.25}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bin},
	)
	for _, m := range msgs {
		for _, a := range serializers {
			for _, b := range serializers {
				ba, err := a.AppendMessage(nil, m)
				if err != nil {
					t.Fatalf("%s encode %v: %v", a.Name(), m.Type(), err)
				}
				ma, err := a.Unmarshal(ba)
				if err != nil {
					t.Fatalf("%s decode %v: %v", a.Name(), m.Type(), err)
				}
				bb, err := b.AppendMessage(nil, ma)
				if err != nil {
					t.Fatalf("%s encode %v: %v", b.Name(), m.Type(), err)
				}
				mb, err := b.Unmarshal(bb)
				if err != nil {
					t.Fatalf("%s decode %v: %v", b.Name(), m.Type(), err)
				}
				if err := vectors.MessagesEqual(m, mb); err != nil {
					t.Errorf("%s -> %s, %v: %v", a.Name(), b.Name(), m.Type(), err)
				}
			}
		}
	}
}

func ExampleAppendBatched() {
	var frame []byte
	for _, m := range []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unsubscribed{Request: 3}} {
		frame, _ = wamp.AppendBatched(frame, json.Serializer{}, m)
	}
	fmt.Printf("%q\n", frame)
	wamp.SplitBatched(json.Serializer{}, frame, func(m wamp.Message) error {
		fmt.Println(m.Type())
		return nil
	})
	// Output:
	// "[17,1,2]\x18[35,3]\x18"
	// PUBLISHED
	// UNSUBSCRIBED
}

// TestEncodeValueTypes encodes every Go type the serializers accept and
// checks what comes back; unsupported types fail with an error.
func TestEncodeValueTypes(t *testing.T) {
	in := wamp.List{int8(-8), int16(-300), int32(-70000), int(-5), uint(5), uint8(200), uint16(60000), uint32(4000000000),
		uint64(math.MaxUint64), float32(0.5), []string{"a", "b"}, wamp.URI("x.y"), wamp.ID(77), wamp.TypeCall, false, nil,
		"", "long string with more than thirty-two bytes in it, and some more", []byte{}}
	want := wamp.List{int64(-8), int64(-300), int64(-70000), int64(-5), int64(5), int64(200), int64(60000), int64(4000000000),
		uint64(math.MaxUint64), 0.5, wamp.List{"a", "b"}, "x.y", int64(77), int64(48), false, nil,
		"", "long string with more than thirty-two bytes in it, and some more", []byte{}}
	for _, s := range serializers {
		if _, err := s.AppendMessage(nil, &wamp.Yield{Request: 1, Args: wamp.List{struct{}{}}}); err == nil {
			t.Errorf("%s encoded a struct", s.Name())
		}
		if _, err := s.AppendMessage(nil, nil); err == nil {
			t.Errorf("%s encoded a nil message", s.Name())
		}
		b, err := s.AppendMessage(nil, &wamp.Yield{Request: 1, Args: in})
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
		m, err := s.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
		if got := m.(*wamp.Yield).Args; !vectors.Equal(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", s.Name(), vectors.Normalize(got), want)
		}
	}
}

// TestUnmarshalKeepsNoInput checks the Serializer contract that a decoded
// message does not share memory with the input: the input is overwritten
// after decoding and the message must not change.
func TestUnmarshalKeepsNoInput(t *testing.T) {
	bin := []byte{0, 1, 2, 0xfe, 0xff}
	msgs := append(vectors.Messages(),
		&wamp.Call{Request: 9, Options: wamp.Dict{"receive_progress": true, "x_custom": "v"}, Procedure: "com.bin",
			Args: wamp.List{bin, "text", wamp.List{bin, "nested"}}, Kwargs: wamp.Dict{"b": bin, "key": "value"}},
		&wamp.Result{Request: 9, Details: wamp.Dict{}, Payload: bin},
	)
	for _, s := range serializers {
		for _, m := range msgs {
			b, err := s.AppendMessage(nil, m)
			if err != nil {
				t.Fatalf("%s encode %v: %v", s.Name(), m.Type(), err)
			}
			got, err := s.Unmarshal(b)
			if err != nil {
				t.Fatalf("%s decode %v: %v", s.Name(), m.Type(), err)
			}
			for i := range b {
				b[i] = 'X'
			}
			if err := vectors.MessagesEqual(m, got); err != nil {
				t.Errorf("%s %v: message changed with its input: %v", s.Name(), m.Type(), err)
			}
		}
	}
}

// TestAppendMessageAllocs checks that encoding into a buffer with room
// allocates nothing: no wire list is built and no ID or slice is boxed.
func TestAppendMessageAllocs(t *testing.T) {
	msgs := []wamp.Message{
		&wamp.Call{Request: 123456, Options: wamp.Dict{"receive_progress": true}, Procedure: "com.example.procedure",
			Args: wamp.List{int64(1), "hello", true, wamp.List{2.5}}, Kwargs: wamp.Dict{"a": int64(1), "b": wamp.Dict{"c": nil}}},
		&wamp.Event{Subscription: 987654, Publication: 5512315355, Details: wamp.Dict{}, Args: wamp.List{"x"}},
		&wamp.Result{Request: 1 << 40},
	}
	buf := make([]byte, 0, 4096)
	for _, s := range serializers {
		for _, m := range msgs {
			if n := testing.AllocsPerRun(50, func() {
				if _, err := s.AppendMessage(buf[:0], m); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("%s %v: %v allocations per AppendMessage", s.Name(), m.Type(), n)
			}
		}
	}
}
