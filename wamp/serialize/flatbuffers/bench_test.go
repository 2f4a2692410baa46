package flatbuffers_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// The messages and payloads of bench/wamp's BenchmarkRoundTrip, so the
// numbers compare with the other serializers there.
var benchPayloads = []struct {
	name   string
	args   wamp.List
	kwargs wamp.Dict
}{
	{"small", wamp.List{int64(1), "hello", true}, wamp.Dict{"a": int64(1), "b": 2.5}},
	{"4KiB", wamp.List{strings.Repeat("x", 4096)}, wamp.Dict{"k": "v"}},
}

// BenchmarkRoundTrip encodes and decodes one message per iteration, with
// CBOR beside FlatBuffers in the same run. Sub-benchmark names:
// msg=…/size=…/ser=cbor|flatbuffers (compare with benchstat -col /ser).
func BenchmarkRoundTrip(b *testing.B) {
	for _, p := range benchPayloads {
		for _, m := range []struct {
			name string
			msg  wamp.Message
		}{
			{"CALL", &wamp.Call{Request: 123456, Options: wamp.Dict{}, Procedure: "com.example.procedure", Args: p.args, Kwargs: p.kwargs}},
			{"EVENT", &wamp.Event{Subscription: 987654, Publication: 5512315355, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs}},
		} {
			for _, s := range []wamp.Serializer{cbor.Serializer{}, flatbuffers.Serializer{}} {
				b.Run("msg="+m.name+"/size="+p.name+"/ser="+s.Name(), func(b *testing.B) {
					b.ReportAllocs()
					var buf []byte
					for b.Loop() {
						var err error
						if buf, err = s.AppendMessage(buf[:0], m.msg); err != nil {
							b.Fatal(err)
						}
						if _, err := s.Unmarshal(buf); err != nil {
							b.Fatal(err)
						}
					}
					b.SetBytes(int64(len(buf)))
				})
			}
		}
	}
}

// BenchmarkHalves splits the small CALL round trip into its encode and
// decode halves.
func BenchmarkHalves(b *testing.B) {
	p := benchPayloads[0]
	m := &wamp.Call{Request: 123456, Options: wamp.Dict{}, Procedure: "com.example.procedure", Args: p.args, Kwargs: p.kwargs}
	for _, s := range []wamp.Serializer{cbor.Serializer{}, flatbuffers.Serializer{}} {
		data, _ := s.AppendMessage(nil, m)
		b.Run("op=encode/ser="+s.Name(), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 256)
			for b.Loop() {
				if _, err := s.AppendMessage(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op=decode/ser="+s.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
