package wamp_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// FuzzFromListStrict: the strict rules (FromListStrict, [0-9a-z_] URI
// components) refuse only with a protocol violation, accept nothing the
// loose rules (FromList) refuse, and give the same message; what they
// accept comes back the same through ToList.
func FuzzFromListStrict(f *testing.F) {
	for _, m := range vectors.Messages() {
		b, err := json.Serializer{}.AppendMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`[1, "com.example", {"roles": {"caller": {}}}]`,
		`[1, "Com.Example", {"roles": {"caller": {}}}]`,
		`[32, 1, {"match": "wildcard"}, "com..b"]`,
		`[32, 1, {"match": "prefix"}, "com.a."]`,
		`[64, 1, {"match": "prefix"}, "com.a-b"]`,
		`[48, 1, {}, "com.ä"]`,
		`[16, 1, {}, "a.b", [], {}]`,
		`[8, 48, 1, {}, "wamp.error.Bad"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := json.Decode(b)
		if err != nil {
			return
		}
		l, ok := v.([]any)
		if !ok {
			return
		}
		strict, errStrict := wamp.FromListStrict(l)
		loose, errLoose := wamp.FromList(l)
		if errStrict != nil {
			if !errors.Is(errStrict, wamp.ErrProtocolViolation) {
				t.Fatalf("%s: strict error %T %v", b, errStrict, errStrict)
			}
			return
		}
		if errLoose != nil {
			t.Fatalf("%s: strict rules accept, loose rules refuse: %v", b, errLoose)
		}
		if err := vectors.MessagesEqual(strict, loose); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		again, err := wamp.FromListStrict(wamp.ToList(strict))
		if err != nil {
			t.Fatalf("%s: ToList then FromListStrict: %v", b, err)
		}
		if err := vectors.MessagesEqual(strict, again); err != nil {
			t.Fatalf("%s: ToList round trip: %v", b, err)
		}
	})
}
