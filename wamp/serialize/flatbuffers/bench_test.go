package flatbuffers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// The messages and payloads of bench/wamp's BenchmarkRoundTrip (CALL and
// EVENT), so the numbers compare with the other serializers there; RESULT
// and PUBLISH besides.
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
			{"RESULT", &wamp.Result{Request: 123456, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs}},
			{"PUBLISH", &wamp.Publish{Request: 123456, Options: wamp.Dict{}, Topic: "com.example.topic", Args: p.args, Kwargs: p.kwargs}},
		} {
			for _, s := range []wamp.Serializer{cbor.Serializer{}, flatbuffers.Serializer{}} {
				b.Run("msg="+m.name+"/size="+p.name+"/ser="+s.Name(), func(b *testing.B) {
					b.ReportAllocs()
					defer reportCPU(b, processCPU())
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
			defer reportCPU(b, processCPU())
			buf := make([]byte, 0, 256)
			for b.Loop() {
				if _, err := s.AppendMessage(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op=decode/ser="+s.Name(), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b, processCPU())
			for b.Loop() {
				if _, err := s.Unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// reportCPU reports the process's CPU time per iteration since start
// (cpu-ns/op): on a machine shared with other work it counts what the
// benchmark used, not the time it waited for a core. It includes the
// garbage collector's background work.
func reportCPU(b *testing.B, start int64) {
	if end := processCPU(); start > 0 && end > start && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkPaired runs the small round trips of both serializers in
// alternating batches of pairBatch, timing each batch, so that both see
// the same load on a shared machine; it reports each one's ns/op and
// their ratio (flatbuffers/cbor, below 1: FlatBuffers is faster).
func BenchmarkPaired(b *testing.B) {
	const pairBatch = 200
	p := benchPayloads[0]
	for _, m := range []struct {
		name string
		msg  wamp.Message
	}{
		{"CALL", &wamp.Call{Request: 123456, Options: wamp.Dict{}, Procedure: "com.example.procedure", Args: p.args, Kwargs: p.kwargs}},
		{"EVENT", &wamp.Event{Subscription: 987654, Publication: 5512315355, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs}},
		{"RESULT", &wamp.Result{Request: 123456, Details: wamp.Dict{}, Args: p.args, Kwargs: p.kwargs}},
		{"PUBLISH", &wamp.Publish{Request: 123456, Options: wamp.Dict{}, Topic: "com.example.topic", Args: p.args, Kwargs: p.kwargs}},
	} {
		b.Run("msg="+m.name+"/size=small", func(b *testing.B) {
			sers := [2]wamp.Serializer{cbor.Serializer{}, flatbuffers.Serializer{}}
			var spent [2]time.Duration
			bufs := [2][]byte{make([]byte, 0, 256), make([]byte, 0, 256)}
			n := 0
			for b.Loop() {
				n++
				if n%pairBatch != 0 {
					continue
				}
				for i, s := range sers {
					start := time.Now()
					for range pairBatch {
						var err error
						if bufs[i], err = s.AppendMessage(bufs[i][:0], m.msg); err != nil {
							b.Fatal(err)
						}
						if _, err := s.Unmarshal(bufs[i]); err != nil {
							b.Fatal(err)
						}
					}
					spent[i] += time.Since(start)
				}
			}
			if batches := n / pairBatch; batches > 0 {
				ops := float64(batches * pairBatch)
				b.ReportMetric(float64(spent[0])/ops, "cbor-ns/op")
				b.ReportMetric(float64(spent[1])/ops, "flatbuffers-ns/op")
				b.ReportMetric(float64(spent[1])/float64(spent[0]), "fb/cbor")
			}
		})
	}
}
