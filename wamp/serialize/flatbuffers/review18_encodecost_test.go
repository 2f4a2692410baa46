package flatbuffers_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// BenchmarkEncodeEvent measures AppendMessage of one EVENT (topic in
// Details, two 50-byte string arguments, one string kwarg) into a reused
// buffer, with ASCII strings and with strings that are mostly not ASCII:
// what the UTF-8 check on every string costs (BENCHMARKS.md, "The cost of
// refusing strings that are not UTF-8").
func BenchmarkEncodeEvent(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"ASCII", strings.Repeat("abcdefghij", 5)},
		{"NonASCII", strings.Repeat("éèàü€", 4) + strings.Repeat("ab", 3)}, // 50 bytes
	} {
		b.Run(c.name, func(b *testing.B) {
			m := &wamp.Event{
				Subscription: 1234567, Publication: 7654321,
				Details: wamp.Dict{"topic": "com.example.topic." + c.text[:8]},
				Args:    wamp.List{c.text, c.text[:48] + "xy"},
				Kwargs:  wamp.Dict{"note": c.text},
			}
			var s flatbuffers.Serializer
			buf, err := s.AppendMessage(nil, m)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if buf, err = s.AppendMessage(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
