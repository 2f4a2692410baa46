package json_test

import (
	stdjson "encoding/json"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// A duplicate dict key keeps the last value, as JSON.parse, Python's
// json.loads (Autobahn|Python, Crossbar) and encoding/json read it (see
// the package doc for why JSON differs here from the binary serializers).
// Python's json.dumps writes {1: "a", "1": "b"} with "1" twice.
func TestReview18DuplicateKeyLastWins(t *testing.T) {
	for _, in := range []string{`{"1":"a","1":"b"}`, `{"a":1,"b":[{"x":0,"x":1}],"a":{}}`, `{"\ud800":1,"\udc00":2}`} {
		var want any
		if err := stdjson.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		got, err := json.Decode([]byte(in))
		if err != nil || !jsonEqual(got, want) {
			t.Errorf("Decode(%s) = %v, %v; want %v (encoding/json)", in, got, err, want)
		}
	}
	m, err := json.Serializer{}.Unmarshal([]byte(`[16,1,{"acknowledge":false,"acknowledge":true},"com.example.t",[],{"k":1,"k":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.(*wamp.Publish); p.Options["acknowledge"] != true || len(p.Kwargs) != 1 || p.Kwargs["k"] != int64(2) {
		t.Fatalf("decoded %v %v", p.Options, p.Kwargs)
	}
}

// jsonEqual compares our decoded value with encoding/json's (float64
// numbers) through their encodings.
func jsonEqual(a, b any) bool {
	x, err1 := stdjson.Marshal(a)
	y, err2 := stdjson.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
