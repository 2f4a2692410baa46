package cbor_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// hotSeeds are messages on and around the hot path's edges: no args,
// args and kwargs, more args than the box holds, strings longer than the
// slab, nested values, a non-empty Options dict (the general path).
func hotSeeds() []wamp.Message {
	long := strings.Repeat("x", 70)
	ms := []wamp.Message{
		&wamp.Call{Request: 1, Procedure: "a.b"},
		&wamp.Call{Request: wamp.MaxID, Procedure: "a.b", Args: wamp.List{}, Kwargs: wamp.Dict{"k": "v"}},
		&wamp.Call{Request: 1, Procedure: wamp.URI("a." + long), Args: wamp.List{long, "yy", "z", ""}},
		&wamp.Call{Request: 1, Procedure: "a.b", Args: wamp.List{int64(1), int64(2), int64(3), int64(4), "five"}},
		&wamp.Yield{Request: 2, Args: wamp.List{wamp.List{"n", int64(-300)}, wamp.Dict{"d": 1.5}, []byte{1, 2}, nil}},
		&wamp.Result{Request: 3, Kwargs: wamp.Dict{"only": true}},
		&wamp.Result{Request: 3, Details: wamp.Dict{"progress": true}, Args: wamp.List{"p"}},
		&wamp.Event{Subscription: 4, Publication: 5, Args: wamp.List{"é", uint64(1 << 63)}},
		&wamp.Invocation{Request: 6, Registration: 7, Args: wamp.List{"hello", int64(1)}},
		&wamp.Publish{Request: 8, Topic: "t.u", Args: wamp.List{"hello"}},
		&wamp.Event{Subscription: 4, Publication: 5, Payload: []byte{1}},
	}
	for _, bm := range benchMessages {
		ms = append(ms, bm.m)
	}
	return append(ms, vectors.Messages()...)
}

// FuzzHotMatchesGeneral checks the hot path against the general one
// (Wire and FromWire): both accept the same inputs, give equal messages
// and reject with the same kind of error. The decoded strings must not
// share the input's bytes: the input is overwritten before the compare.
func FuzzHotMatchesGeneral(f *testing.F) {
	for _, m := range hotSeeds() {
		b, err := cbor.Serializer{}.AppendMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x84, 0x18, 0x30, 0x01, 0xa0, 0x60})                   // CALL, empty URI
	f.Add([]byte{0x85, 0x18, 0x46, 0x01, 0xa0, 0x9f, 0x01, 0xff, 0xa0}) // YIELD, indefinite args
	f.Add([]byte{0x84, 0x18, 0x32, 0x00, 0xa0, 0x80})                   // RESULT, request 0
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wantErr := cbor.UnmarshalGeneral(b)
		in := bytes.Clone(b)
		got, err := cbor.Serializer{}.Unmarshal(in)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%x: Unmarshal error %v, general path error %v", b, err, wantErr)
		}
		if err != nil {
			if errors.Is(err, wamp.ErrProtocolViolation) != errors.Is(wantErr, wamp.ErrProtocolViolation) {
				t.Fatalf("%x: Unmarshal error %v, general path error %v", b, err, wantErr)
			}
			return
		}
		clear(in)
		if err := vectors.MessagesEqual(want, got); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
	})
}

// TestHotMessagesIndependent: messages decoded from the same bytes share
// nothing a caller may write: their Args, Kwargs and strings.
func TestHotMessagesIndependent(t *testing.T) {
	var s cbor.Serializer
	b, err := s.AppendMessage(nil, &wamp.Call{Request: 1, Procedure: "com.example.echo",
		Args: wamp.List{"hello", int64(1)}, Kwargs: wamp.Dict{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	decode := func() *wamp.Call {
		m, err := s.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return m.(*wamp.Call)
	}
	c1, c2 := decode(), decode()
	c1.Args[0] = "changed"
	c1.Kwargs["k"] = "changed"
	c1.Args = append(c1.Args, "appended", "more", "and more")
	c1.Options = wamp.Dict{"x": true}
	if c2.Args[0] != "hello" || c2.Args[1] != int64(1) || len(c2.Args) != 2 || c2.Kwargs["k"] != "v" || len(c2.Options) != 0 {
		t.Fatalf("second message changed: %#v", c2)
	}
	if c1.Procedure != "com.example.echo" || c1.Args[1] != int64(1) {
		t.Fatalf("first message's other fields changed: %#v", c1)
	}
	// The input buffer is reused by transports: nothing may alias it.
	clear(b)
	if c2.Procedure != "com.example.echo" || c2.Args[0] != "hello" {
		t.Fatalf("message aliases the input: %#v", c2)
	}
}

// TestUnmarshalAllocs pins the allocations of decoding the messages of a
// routed call: one each (hot.go: the message, its Args, its strings and
// its integers beyond 0..255 in one box).
func TestUnmarshalAllocs(t *testing.T) {
	var s cbor.Serializer
	// One allocation for the message with its Args and short strings,
	// and one for each argument that any(x) boxes: a string, an integer
	// beyond 0..255.
	for _, tc := range []struct {
		m    wamp.Message
		want float64
	}{
		{&wamp.Call{Request: 1234, Procedure: "com.example.echo", Args: wamp.List{"hello", int64(1)}}, 2},
		{&wamp.Invocation{Request: 5678, Registration: 42, Args: wamp.List{"hello", int64(1)}}, 2},
		{&wamp.Yield{Request: 5678, Args: wamp.List{"hello", int64(-1000), true, int64(1 << 40)}}, 4},
		{&wamp.Result{Request: 1234, Args: wamp.List{"a longer result string that needs the bigger box"}}, 2},
		{&wamp.Event{Subscription: 1, Publication: 2}, 1},
		{&wamp.Call{Request: 1, Procedure: "com.example.add2", Args: wamp.List{int64(2), int64(3)}}, 1},
	} {
		m := tc.m
		b, err := s.AppendMessage(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		got := testing.AllocsPerRun(100, func() {
			if _, err := s.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
		})
		if got != tc.want {
			t.Errorf("%v: %v allocations, want %v", m.Type(), got, tc.want)
		}
	}
}

// TestHotArgTypes: the arguments the hot path decodes are the strings
// and int64s the general path gives, usable as any interface value (type
// switches, ==, map keys), also after a collection and with the input
// overwritten.
func TestHotArgTypes(t *testing.T) {
	var s cbor.Serializer
	args := wamp.List{"hello", "é", "x", "", int64(0), int64(255), int64(256), int64(-1), int64(-1000),
		int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64), 1.5, true, nil, []byte{1}}
	for i := 0; i < len(args); i += 4 { // at most 4 arguments: the boxed message
		b, err := s.AppendMessage(nil, &wamp.Yield{Request: 1, Args: args[i:min(i+4, len(args))]})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		clear(b)
		runtime.GC()
		got := m.(*wamp.Yield).Args
		want := args[i:min(i+4, len(args))]
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Fatalf("args %#v, want %#v", got, want)
		}
		for k, v := range got {
			if _, isBytes := v.([]byte); isBytes {
				continue
			}
			if v != want[k] || map[any]int{want[k]: 1}[v] != 1 {
				t.Errorf("arg %d: %#v does not equal %#v as an interface value", k, v, want[k])
			}
			if str, ok := v.(string); ok && str != want[k].(string) {
				t.Errorf("arg %d: string %q, want %q", k, str, want[k])
			}
			if n, ok := v.(int64); ok && n != want[k].(int64) {
				t.Errorf("arg %d: int64 %d, want %d", k, n, want[k])
			}
		}
	}
}
