package wamp

import (
	"testing"

	"github.com/minio/simdjson-go"

	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// BenchmarkJSONDecode compares our hand-written JSON decoder with
// minio/simdjson-go on WAMP messages: both produce the generic values
// FromList needs (simdjson: Parse into a reused tape, then Interface).
func BenchmarkJSONDecode(b *testing.B) {
	if !simdjson.SupportedCPU() {
		b.Skip("simdjson-go: CPU not supported")
	}
	for _, p := range payloads {
		for _, m := range messages(p) {
			data, err := json.Serializer{}.AppendMessage(nil, m.ours)
			if err != nil {
				b.Fatal(err)
			}
			prefix := "msg=" + m.name + "/size=" + p.name
			b.Run(prefix+"/impl=ours", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := json.Decode(data); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(prefix+"/impl=simdjson", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				var pj *simdjson.ParsedJson
				for b.Loop() {
					var err error
					pj, err = simdjson.Parse(data, pj)
					if err != nil {
						b.Fatal(err)
					}
					it := pj.Iter()
					it.Advance()
					if _, err := it.Interface(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
