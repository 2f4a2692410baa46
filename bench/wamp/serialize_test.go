package wamp

import (
	"strings"
	"testing"

	nexusser "github.com/gammazero/nexus/v3/transport/serialize"
	nexuswamp "github.com/gammazero/nexus/v3/wamp"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

type payload struct {
	name   string
	args   []any
	kwargs map[string]any
}

var payloads = []payload{
	{"small", []any{int64(1), "hello", true}, map[string]any{"a": int64(1), "b": 2.5}},
	{"4KiB", []any{strings.Repeat("x", 4096)}, map[string]any{"k": "v"}},
}

type msgCase struct {
	name  string
	ours  wamp.Message
	nexus nexuswamp.Message
}

func messages(p payload) []msgCase {
	return []msgCase{
		{"CALL",
			&wamp.Call{Request: 123456, Options: wamp.Dict{}, Procedure: "com.example.procedure", Args: p.args, Kwargs: p.kwargs},
			&nexuswamp.Call{Request: 123456, Options: nexuswamp.Dict{}, Procedure: "com.example.procedure", Arguments: p.args, ArgumentsKw: p.kwargs}},
		{"RESULT",
			&wamp.Result{Request: 123456, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs},
			&nexuswamp.Result{Request: 123456, Details: nexuswamp.Dict{}, Arguments: p.args, ArgumentsKw: p.kwargs}},
		{"EVENT",
			&wamp.Event{Subscription: 987654, Publication: 5512315355, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs},
			&nexuswamp.Event{Subscription: 987654, Publication: 5512315355, Details: nexuswamp.Dict{}, Arguments: p.args, ArgumentsKw: p.kwargs}},
	}
}

type serPair struct {
	name  string
	ours  wamp.Serializer
	nexus nexusser.Serializer
}

var serializers = []serPair{
	{"json", json.Serializer{}, &nexusser.JSONSerializer{}},
	{"msgpack", msgpack.Serializer{}, &nexusser.MessagePackSerializer{}},
	{"cbor", cbor.Serializer{}, &nexusser.CBORSerializer{}},
}

// BenchmarkRoundTrip encodes and decodes one message per iteration.
// Sub-benchmark names: msg=…/size=…/ser=…/impl=ours|nexus.
func BenchmarkRoundTrip(b *testing.B) {
	for _, p := range payloads {
		for _, m := range messages(p) {
			for _, s := range serializers {
				prefix := "msg=" + m.name + "/size=" + p.name + "/ser=" + s.name
				b.Run(prefix+"/impl=ours", func(b *testing.B) {
					b.ReportAllocs()
					var buf []byte
					for b.Loop() {
						var err error
						buf, err = s.ours.AppendMessage(buf[:0], m.ours)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := s.ours.Unmarshal(buf); err != nil {
							b.Fatal(err)
						}
					}
					b.SetBytes(int64(len(buf)))
				})
				b.Run(prefix+"/impl=nexus", func(b *testing.B) {
					b.ReportAllocs()
					var n int
					for b.Loop() {
						out, err := s.nexus.Serialize(m.nexus)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := s.nexus.Deserialize(out); err != nil {
							b.Fatal(err)
						}
						n = len(out)
					}
					b.SetBytes(int64(n))
				})
			}
		}
	}
}

// TestSameMessages checks that both implementations read each other's bytes.
func TestSameMessages(t *testing.T) {
	for _, p := range payloads {
		for _, m := range messages(p) {
			for _, s := range serializers {
				out, err := s.nexus.Serialize(m.nexus)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.ours.Unmarshal(out)
				if err != nil || got.Type() != m.ours.Type() {
					t.Fatalf("%s %s: ours cannot read nexus: %v", s.name, m.name, err)
				}
				ours, _ := s.ours.AppendMessage(nil, m.ours)
				back, err := s.nexus.Deserialize(ours)
				if err != nil || int(back.MessageType()) != int(m.ours.Type()) {
					t.Fatalf("%s %s: nexus cannot read ours: %v", s.name, m.name, err)
				}
			}
		}
	}
}

var sinkString string

// BenchmarkCopyFloor is the one copy a decoder must make of a 4 KiB string
// argument (a decoded message may not share memory with its input): a
// fresh 4 KiB string, measured beside BenchmarkRoundTrip to show how much
// of a 4 KiB round trip is that allocation.
func BenchmarkCopyFloor(b *testing.B) {
	src := []byte(payloads[1].args[0].(string))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		sinkString = string(src)
	}
}
