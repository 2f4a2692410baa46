package cbor_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

func TestGolden(t *testing.T) {
	exact, _ := vectors.RunGolden(t, cbor.Serializer{}, "cbor")
	if exact < 27 {
		t.Errorf("only %d byte-exact", exact)
	}
}

func TestRejects(t *testing.T) {
	for _, in := range [][]byte{
		{},
		{0xa0},                               // a dict, not a list
		{0x82, 0x11, 0xc1, 0x01},             // a tag
		{0x83, 0x11, 0x01, 0x62, 0xff, 0xfe}, // bad UTF-8
		{0x83, 0x11, 0x01, 0xa1, 0x01, 0x01}, // int key
		{0x9f, 0x11},                         // truncated
	} {
		if _, err := (cbor.Serializer{}).Unmarshal(in); err == nil {
			t.Errorf("accepted %x", in)
		}
	}
}

func TestBatched(t *testing.T) {
	s := cbor.Serializer{}
	var frame []byte
	for _, m := range []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unregistered{Request: 3}} {
		var err error
		if frame, err = wamp.AppendBatched(frame, s, m); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(frame, []byte{0, 0, 0, 4, 0x83, 0x11, 1, 2, 0, 0, 0, 4, 0x82, 0x18, 0x43, 3}) {
		t.Fatalf("frame %x", frame)
	}
	n := 0
	if err := wamp.SplitBatched(s, frame, func(wamp.Message) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("split: %d, %v", n, err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	s := cbor.Serializer{}
	for _, m := range []wamp.Message{
		&wamp.Call{Request: 1, Options: wamp.Dict{"timeout": int64(5)}, Procedure: "a.b", Args: wamp.List{int64(-1), 1.5, "x", []byte{1}}, Kwargs: wamp.Dict{"k": nil}},
		&wamp.Event{Subscription: 1, Publication: 2, Payload: []byte{1, 2}},
	} {
		b, _ := s.AppendMessage(nil, m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := s.Unmarshal(b)
		if err != nil {
			return
		}
		out, err := s.AppendMessage(nil, m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := s.Unmarshal(out)
		if err != nil {
			t.Fatalf("decode own %x: %v", out, err)
		}
		if err := vectors.MessagesEqual(m, m2); err != nil {
			t.Fatal(err)
		}
	})
}

func ExampleSerializer() {
	var s cbor.Serializer
	b, _ := s.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
	fmt.Printf("%x\n", b)
	m, _ := s.Unmarshal(b)
	fmt.Println(m.(*wamp.Published).Publication)
	// Output:
	// 83110102
	// 2
}
