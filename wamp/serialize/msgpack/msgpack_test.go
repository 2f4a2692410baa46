package msgpack_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

func TestGolden(t *testing.T) {
	exact, _ := vectors.RunGolden(t, msgpack.Serializer{}, "msgpack")
	if exact < 27 {
		t.Errorf("only %d byte-exact", exact)
	}
}

func TestRejects(t *testing.T) {
	for _, in := range [][]byte{
		{},
		{0x80},                               // a dict, not a list
		{0x93, 0x11, 0x01, 0xd4, 0, 0},       // an extension
		{0x93, 0x11, 0x01, 0xa2, 0xff, 0xfe}, // bad UTF-8
		{0x93, 0x11, 0x01, 0x81, 0x01, 0x01}, // int key
		{0xdd, 0xff, 0xff, 0xff, 0xff},       // huge declared length
		{0x92, 0x11},                         // truncated
		{0x92, 0x11, 0x01, 0x01},             // trailing byte
	} {
		if _, err := (msgpack.Serializer{}).Unmarshal(in); err == nil {
			t.Errorf("accepted %x", in)
		}
	}
}

func TestBatched(t *testing.T) {
	s := msgpack.Serializer{}
	var frame []byte
	for _, m := range []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unregistered{Request: 3}} {
		var err error
		if frame, err = wamp.AppendBatched(frame, s, m); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(frame, []byte{0, 0, 0, 4, 0x93, 0x11, 1, 2, 0, 0, 0, 3, 0x92, 0x43, 3}) {
		t.Fatalf("frame %x", frame)
	}
	n := 0
	if err := wamp.SplitBatched(s, frame, func(wamp.Message) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("split: %d, %v", n, err)
	}
}

func FuzzUnmarshal(f *testing.F) { vectors.FuzzRoundTrip(f, msgpack.Serializer{}) }

func ExampleSerializer() {
	var s msgpack.Serializer
	b, _ := s.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
	fmt.Printf("%x\n", b)
	m, _ := s.Unmarshal(b)
	fmt.Println(m.(*wamp.Published).Publication)
	// Output:
	// 93110102
	// 2
}

func FuzzWireMatchesList(f *testing.F) {
	vectors.FuzzWireMatchesList(f, msgpack.Serializer{}, msgpack.Decode)
}
