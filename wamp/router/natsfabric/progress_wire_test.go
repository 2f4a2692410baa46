package natsfabric

import (
	"reflect"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestStreamWireRoundTrip(t *testing.T) {
	res := &wamp.Result{Request: 1, Details: wamp.Dict{"progress": true, "ppt_scheme": "x"}, Args: wamp.List{int64(1)},
		Kwargs: wamp.Dict{"k": "v"}, Payload: []byte{9}}
	b, err := encodeProgress(42, res)
	if err != nil {
		t.Fatal(err)
	}
	if k := peekKind(b); k != kindProgress {
		t.Fatalf("peekKind %d", k)
	}
	seq, got, err := decodeProgress(b)
	if err != nil || seq != 42 || !reflect.DeepEqual(got, res) {
		t.Fatalf("progress: %d %+v %v", seq, got, err)
	}
	if _, err := decodeAnswer(b); err == nil {
		t.Fatal("a progressive result decoded as a final answer")
	}
	// A progressive result without Details.progress, or numbered 0, is malformed.
	for _, bad := range []func() ([]byte, error){
		func() ([]byte, error) { return encodeProgress(1, &wamp.Result{Details: wamp.Dict{}}) },
		func() ([]byte, error) { return encodeProgress(0, res) },
	} {
		b, err := bad()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := decodeProgress(b); err == nil {
			t.Fatal("malformed progressive result decoded")
		}
	}

	b, err = encodeCancel("kill")
	if err != nil {
		t.Fatal(err)
	}
	if mode, err := decodeCancel(b); err != nil || mode != "kill" || peekKind(b) != kindCancel {
		t.Fatalf("cancel: %q %v", mode, err)
	}
	if _, err := decodePart(b); err == nil {
		t.Fatal("a cancel decoded as a part")
	}

	p := &router.FabricCallPart{Progress: true, Args: wamp.List{"a"}, Kwargs: wamp.Dict{"b": int64(2)}, Payload: []byte{1}}
	b, err = encodePart(p)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := decodePart(b); err != nil || !reflect.DeepEqual(p, q) || peekKind(b) != kindPart {
		t.Fatalf("part: %+v %v", q, err)
	}
	if _, err := decodeCancel(b); err == nil {
		t.Fatal("a part decoded as a cancel")
	}
	if b, _ := encodeCall(&router.FabricCall{Caller: 1, Procedure: "a.b"}); peekKind(b) != kindCall {
		t.Fatal("peekKind of a call")
	}
	for _, b := range [][]byte{nil, {0x80}, {0xff}, {0x81, 0x20}} {
		if k := peekKind(b); k == kindProgress || k == kindCancel || k == kindPart {
			t.Fatalf("peekKind(% x) = %d", b, k)
		}
	}
}

// The stream decoders take any bytes from the network: errors, never a
// panic; what decodes encodes again; peekKind agrees with the decoder.
func FuzzDecodeStream(f *testing.F) {
	for _, s := range []func() ([]byte, error){
		func() ([]byte, error) {
			return encodeProgress(3, &wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{"x"}})
		},
		func() ([]byte, error) { return encodeCancel("killnowait") },
		func() ([]byte, error) {
			return encodePart(&router.FabricCallPart{Progress: true, Args: wamp.List{int64(1)}})
		},
	} {
		b, err := s()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if fl, k := decodeAny(b); fl.err == nil && peekKind(b) != k {
			t.Fatalf("peekKind %d, decoded kind %d", peekKind(b), k)
		}
		if seq, m, err := decodeProgress(b); err == nil {
			if _, err := encodeProgress(seq, m); err != nil {
				t.Fatalf("decoded progressive result does not encode: %v", err)
			}
		}
		if mode, err := decodeCancel(b); err == nil {
			if _, err := encodeCancel(mode); err != nil {
				t.Fatalf("decoded cancel does not encode: %v", err)
			}
		}
		if p, err := decodePart(b); err == nil {
			if _, err := encodePart(p); err != nil {
				t.Fatalf("decoded part does not encode: %v", err)
			}
		}
	})
}
