package json_test

import (
	stdjson "encoding/json"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

var benchMsgs = map[string]wamp.Message{
	"small": &wamp.Call{Request: 123456, Options: wamp.Dict{"receive_progress": true}, Procedure: "com.example.procedure",
		Args: wamp.List{int64(1), "hello", true}, Kwargs: wamp.Dict{"a": int64(1), "b": 2.5}},
	"4KiB": &wamp.Event{Subscription: 987654, Publication: 5512315355, Details: wamp.Dict{}, Args: wamp.List{strings.Repeat("x", 4096)}},
}

// BenchmarkUnmarshal compares our decoder with encoding/json (decoding into
// []any with UseNumber-free float64 numbers, then the same FromList).
func BenchmarkUnmarshal(b *testing.B) {
	for _, size := range []string{"small", "4KiB"} {
		data, _ := json.Serializer{}.AppendMessage(nil, benchMsgs[size])
		b.Run("size="+size+"/impl=ours", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := (json.Serializer{}).Unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+size+"/impl=encoding_json", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var l []any
				if err := stdjson.Unmarshal(data, &l); err != nil {
					b.Fatal(err)
				}
				if _, err := wamp.FromList(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
