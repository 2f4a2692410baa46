package natsfabric

import (
	"reflect"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestWireRoundTrip(t *testing.T) {
	p := &router.FabricPublication{Realm: "r", Topic: "a.b", ID: 7, Publisher: 9, PublisherAuthID: "alice", PublisherAuthRole: "user",
		Disclose: true, Trusted: true, TrustLevel: 2, Options: wamp.Dict{"exclude": []any{int64(3)}},
		Args: wamp.List{"x", int64(1)}, Kwargs: wamp.Dict{"k": true}, Payload: []byte{1, 2}}
	b, err := encodeEvent("n1", p)
	if err != nil {
		t.Fatal(err)
	}
	node, q, err := decodeEvent(b, "r", "a.b")
	if err != nil || node != "n1" || !reflect.DeepEqual(p, q) {
		t.Fatalf("event: %v %q\n%+v\n%+v", err, node, q, p)
	}

	c := &router.FabricCall{Realm: "r", Registration: "a.", Match: wamp.MatchPrefix, Procedure: "a.b", Caller: 5,
		CallerAuthID: "bob", CallerAuthRole: "user", Options: wamp.Dict{"disclose_me": true}, Timeout: 1500 * time.Millisecond,
		Args: wamp.List{int64(2)}}
	if b, err = encodeCall(c); err != nil {
		t.Fatal(err)
	}
	d, err := decodeCall(b)
	if err != nil || !reflect.DeepEqual(c, d) {
		t.Fatalf("call: %v\n%+v\n%+v", err, d, c)
	}

	for _, m := range []wamp.Message{
		&wamp.Result{Request: 1, Details: wamp.Dict{"ppt_scheme": "x"}, Args: wamp.List{"r"}},
		&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Error: wamp.ErrCanceled, Details: wamp.Dict{}, Kwargs: wamp.Dict{"a": int64(1)}},
	} {
		if b, err = encodeAnswer(m); err != nil {
			t.Fatal(err)
		}
		got, err := decodeAnswer(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("answer: %v\n%#v\n%#v", err, got, m)
		}
	}

	a := &announcement{node: "n2", seq: 3, regs: map[wamp.URI][]router.FabricRegistration{
		"r": {{Procedure: "a.b", Match: wamp.MatchExact, Policy: router.InvokeSingle}}}}
	if b, err = encodeAnnounce(a); err != nil {
		t.Fatal(err)
	}
	got, err := decodeAnnounce(b)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("announce: %v\n%+v\n%+v", err, got, a)
	}
	if b, err = encodeSync("n3"); err != nil {
		t.Fatal(err)
	}
	if n, err := decodeSync(b); err != nil || n != "n3" {
		t.Fatalf("sync: %q %v", n, err)
	}
	if _, err := decodeAnswer(b); err == nil {
		t.Fatal("a sync message decoded as an answer")
	}
}

// The decoders take any bytes from the network: errors, never a panic;
// what decodes encodes again.
func FuzzDecode(f *testing.F) {
	seeds := []func() ([]byte, error){
		func() ([]byte, error) {
			return encodeEvent("n", &router.FabricPublication{ID: 1, Publisher: 2, Args: wamp.List{"x"}})
		},
		func() ([]byte, error) { return encodeCall(&router.FabricCall{Caller: 1, Procedure: "a.b"}) },
		func() ([]byte, error) { return encodeAnswer(&wamp.Result{Args: wamp.List{int64(1)}}) },
		func() ([]byte, error) { return encodeAnswer(&wamp.Error{Error: wamp.ErrCanceled}) },
		func() ([]byte, error) {
			return encodeAnnounce(&announcement{node: "n", seq: 1, regs: map[wamp.URI][]router.FabricRegistration{"r": {{Procedure: "p"}}}})
		},
		func() ([]byte, error) { return encodeSync("n") },
	}
	for _, s := range seeds {
		b, err := s()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, p, err := decodeEvent(b, "r", "t"); err == nil {
			if _, err := encodeEvent("n", p); err != nil {
				t.Fatalf("decoded event does not encode: %v", err)
			}
		}
		if c, err := decodeCall(b); err == nil {
			if _, err := encodeCall(c); err != nil {
				t.Fatalf("decoded call does not encode: %v", err)
			}
		}
		if m, err := decodeAnswer(b); err == nil {
			if _, err := encodeAnswer(m); err != nil {
				t.Fatalf("decoded answer does not encode: %v", err)
			}
		}
		if a, err := decodeAnnounce(b); err == nil {
			if _, err := encodeAnnounce(a); err != nil {
				t.Fatalf("decoded announcement does not encode: %v", err)
			}
		}
		decodeSync(b)
	})
}
