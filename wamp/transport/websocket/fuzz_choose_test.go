package websocket

import (
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// FuzzChoose: a client's Sec-WebSocket-Protocol header (net/http's
// values, split by headerTokens as Accept does) gets the first offer that
// the server's Options list (Subprotocols), or none; lookup finds that
// offer's serializer and batching, whose subprotocol is the offer again.
func FuzzChoose(f *testing.F) {
	f.Add("wamp.2.json", "", false)
	f.Add("wamp.2.cbor.batched, wamp.2.json", " wamp.2.msgpack ", true)
	f.Add("wamp.2.json.batched,wamp.2.cbor", "", false)
	f.Add("wamp.2.,wamp.2..batched, wamp.2.xml", "chat,,", true)
	f.Add("WAMP.2.JSON", "wamp.2.ubjson", false)
	f.Fuzz(func(t *testing.T, v1, v2 string, batched bool) {
		o := Options{Serializers: []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}, Batched: batched}
		offered := headerTokens([]string{v1, v2})
		for _, p := range offered {
			if p == "" || p != strings.TrimSpace(p) || strings.Contains(p, ",") {
				t.Fatalf("token %q from %q, %q", p, v1, v2)
			}
		}
		got := o.Choose(offered)
		want := ""
		for _, p := range offered {
			if slices.Contains(o.Subprotocols(), p) {
				want = p
				break
			}
		}
		if got != want {
			t.Fatalf("Choose(%q) = %q, want %q", offered, got, want)
		}
		if got == "" {
			return
		}
		s, b, ok := o.lookup(got)
		if !ok || Subprotocol(s, b) != got || (b && !batched) {
			t.Fatalf("lookup(%q) = %v %v %v", got, s, b, ok)
		}
	})
}
