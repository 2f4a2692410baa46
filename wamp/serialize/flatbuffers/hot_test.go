package flatbuffers_test

import (
	"bytes"
	"fmt"
	"testing"

	fb "github.com/google/flatbuffers/go"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers/internal/fbs"
)

// hotMessages take the hot path (empty Options/Details, no payload), with
// the edge cases of its writer and reader: zero and largest IDs, args
// only, kwargs only, neither, empty containers, invalid URIs and IDs
// (which the writer writes and the reader hands to the general reader).
var hotMessages = []wamp.Message{
	&wamp.Call{Request: 123456, Options: wamp.Dict{}, Procedure: "com.example.procedure",
		Args: wamp.List{int64(1), "hello", true}, Kwargs: wamp.Dict{"a": int64(1), "b": 2.5}},
	&wamp.Call{Request: 1, Procedure: "a.b"},
	&wamp.Call{Request: wamp.MaxID, Procedure: "a", Args: wamp.List{}, Kwargs: wamp.Dict{"k": wamp.List{nil, []byte{}}}},
	&wamp.Call{Request: 7, Procedure: "a.b", Kwargs: wamp.Dict{}},
	&wamp.Call{Request: 7, Procedure: "a.b", Args: wamp.List{"w", "xx", "yyy", "zzzz"}}, // fills hotBox.args
	&wamp.Call{Request: 7, Procedure: "a.b", Args: wamp.List{int64(1), int64(2), int64(3), int64(4), int64(5)}},
	&wamp.Call{Request: 0, Procedure: "a.b"},
	&wamp.Call{Request: wamp.MaxID + 1, Procedure: "a.b"},
	&wamp.Call{Request: 2, Procedure: ""},
	&wamp.Call{Request: 2, Procedure: "a..b", Args: wamp.List{"x"}},
	&wamp.Call{Request: 2, Procedure: "a.\xff"},
	&wamp.Result{Request: 9, Args: wamp.List{"r"}},
	&wamp.Result{Request: 9},
	&wamp.Result{Request: 9, Kwargs: wamp.Dict{"only": "kw", "and": 1.5}},
	&wamp.Publish{Request: 3, Topic: "com.t", Args: wamp.List{"a long enough text to leave the string slab of the message behind"}},
	&wamp.Publish{Request: 3, Topic: "com.t", Options: wamp.Dict{}},
	&wamp.Event{Subscription: 4, Publication: 5, Details: wamp.Dict{}, Args: wamp.List{int64(-1), 1.5, wamp.Dict{"n": nil}}},
	&wamp.Event{Subscription: 4, Publication: 0},
	&wamp.Event{Subscription: 0, Publication: 5},
	&wamp.Invocation{Request: 8, Registration: 9, Args: wamp.List{uint64(1) << 63}},
	&wamp.Invocation{Request: 8, Registration: 9},
	&wamp.Yield{Request: 8, Kwargs: wamp.Dict{"x": "y"}},
	&wamp.Yield{Request: 8, Options: wamp.Dict{}},
}

// same reports whether a and b are the same Go values, nil and empty
// containers told apart (%#v, which unlike reflect.DeepEqual takes a NaN
// as equal to itself).
func same(a, b wamp.Message) bool { return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b) }

// checkHot compares the hot path with the general writer and reader on m:
// the same bytes, and the same message or error back.
func checkHot(t *testing.T, m wamp.Message) {
	t.Helper()
	a, errA := s.AppendMessage([]byte{1, 2, 3}, m)
	b, errB := flatbuffers.AppendGeneral(nil, m)
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("%v: errors differ: %v | %v", m.Type(), errA, errB)
	}
	if errA != nil {
		return
	}
	if !bytes.Equal(a[3:], b) {
		t.Fatalf("%v: hot writer %x, general %x", m.Type(), a[3:], b)
	}
	checkHotDecode(t, b)
}

func checkHotDecode(t *testing.T, b []byte) {
	t.Helper()
	ma, errA := s.Unmarshal(b)
	mb, errB := flatbuffers.UnmarshalGeneral(b)
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("%x: errors differ: %v | %v", b, errA, errB)
	}
	if errA == nil && !same(ma, mb) {
		t.Fatalf("%x: hot reader %#v, general %#v", b, ma, mb)
	}
}

// TestHotMatchesGeneral: the hot writer writes the bytes of the general
// writer, and the hot reader gives what the general reader gives, for the
// hot messages and every other message the tests share.
func TestHotMatchesGeneral(t *testing.T) {
	for _, m := range append(append(vectors.Messages(), richMessages...), hotMessages...) {
		checkHot(t, m)
	}
	// A value CBOR cannot carry, in args and in kwargs.
	for _, m := range []wamp.Message{
		&wamp.Call{Request: 1, Procedure: "a.b", Args: wamp.List{struct{}{}}},
		&wamp.Event{Subscription: 1, Publication: 2, Kwargs: wamp.Dict{"k": make(chan int)}},
	} {
		out, err := s.AppendMessage([]byte{9}, m)
		if err == nil || len(out) != 1 {
			t.Errorf("%v: %x, %v", m.Type(), out, err)
		}
		checkHot(t, m)
	}
}

// TestHotGeneratedReaders reads the hot writer's CALL and EVENT with the
// flatc-generated code.
func TestHotGeneratedReaders(t *testing.T) {
	b, err := s.AppendMessage(nil, &wamp.Call{Request: 42, Procedure: "com.example.p",
		Args: wamp.List{"x"}, Kwargs: wamp.Dict{"k": int64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	var tab fb.Table
	root := fbs.GetRootAsMessage(b, 0)
	if root.MsgType() != fbs.AnyMessageCall || !root.Msg(&tab) {
		t.Fatalf("union type %v", root.MsgType())
	}
	var c fbs.Call
	c.Init(tab.Bytes, tab.Pos)
	kw, err := cbor.Decode(c.KwargsBytes())
	if c.Request() != 42 || string(c.Procedure()) != "com.example.p" || fmt.Sprintf("%x", c.ArgsBytes()) != "816178" ||
		err != nil || fmt.Sprint(kw) != "map[k:1]" || c.PayloadLength() != 0 || c.Timeout() != 0 {
		t.Fatalf("read back: %d %q %x %v %v", c.Request(), c.Procedure(), c.ArgsBytes(), kw, err)
	}

	b, err = s.AppendMessage(nil, &wamp.Event{Subscription: 1 << 40, Publication: 3, Args: wamp.List{true}})
	if err != nil {
		t.Fatal(err)
	}
	root = fbs.GetRootAsMessage(b, 0)
	if root.MsgType() != fbs.AnyMessageEvent || !root.Msg(&tab) {
		t.Fatalf("union type %v", root.MsgType())
	}
	var e fbs.Event
	e.Init(tab.Bytes, tab.Pos)
	if e.Subscription() != 1<<40 || e.Publication() != 3 || fmt.Sprintf("%x", e.ArgsBytes()) != "81f5" || e.KwargsLength() != 0 {
		t.Fatalf("read back: %d %d %x", e.Subscription(), e.Publication(), e.ArgsBytes())
	}
}

// TestHotRejects: every truncation and single-byte corruption of a hot
// CALL gives the general reader's answer (a *wamp.ProtocolError or the
// same message), never a panic.
func TestHotRejects(t *testing.T) {
	good, err := s.AppendMessage(nil, hotMessages[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		checkHotDecode(t, good[:i])
		for _, x := range []byte{0xff, 0x01, 0x80} {
			c := append([]byte{}, good...)
			c[i] ^= x
			checkHotDecode(t, c)
		}
	}
}

// FuzzHotMatchesGeneral: on any input the hot reader gives what the general
// reader gives, and a decoded message is written to the same bytes by both
// writers.
func FuzzHotMatchesGeneral(f *testing.F) {
	for _, m := range hotMessages {
		if b, err := s.AppendMessage(nil, m); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHotDecode(t, b)
		if m, err := s.Unmarshal(b); err == nil {
			checkHot(t, m)
		}
	})
}

// TestAllocsDecode: the small CALL of the benchmarks decodes through the
// hot reader in 5 allocations (package cbor needs 9): the message with its
// args list and strings (hotBox), the boxes of "hello" and 2.5, the kwargs
// map and its group.
func TestAllocsDecode(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	b, err := s.AppendMessage(nil, hotMessages[0])
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = s.Unmarshal(b) }); n > 5 {
		t.Errorf("%v allocations per decode, want 5", n)
	}
}
