package json_test

import (
	stdjson "encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

func TestGolden(t *testing.T) {
	exact, total := vectors.RunGolden(t, json.Serializer{}, "json")
	// The 7 others hold dicts whose keys Autobahn wrote unsorted (HELLO
	// roles, forward_for entries, kwargs); we sort keys.
	if exact < 27 {
		t.Errorf("only %d of %d byte-exact", exact, total)
	}
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`1`, int64(1)},
		{`-0`, int64(0)},
		{`9223372036854775807`, int64(9223372036854775807)},
		{`-9223372036854775808`, int64(-9223372036854775808)},
		{`18446744073709551615`, uint64(18446744073709551615)},
		{`1.5`, 1.5},
		{`1e3`, 1000.0},
		{`"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, "a\"\\/\b\f\n\r\t\u00e9\U0001F600"},
		{`"\u0000AAEC"`, []byte{0, 1, 2}},
		{` [ 1 , {"a" : null} , true , false ] `, []any{int64(1), map[string]any{"a": nil}, true, false}},
	}
	for _, tt := range tests {
		got, err := json.Decode([]byte(tt.in))
		if err != nil || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tt.want) {
			t.Errorf("Decode(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `[`, `[1,]`, `{"a"}`, `{1:2}`, `01`, `1.`, `-`, `1e`, `"abc`, "\"\x01\"", `"\x"`, "\"\xff\"", `[1] x`, `tru`, `"\u0000!!"`, strings.Repeat("[", 2000)} {
		if _, err := json.Decode([]byte(in)); !errors.Is(err, json.ErrSyntax) {
			t.Errorf("Decode(%q) err = %v, want ErrSyntax", in, err)
		}
	}
}

// TestEncodeMatchesStdlib checks that our encoder writes JSON that
// encoding/json reads back to the same values (strings with every escape).
func TestEncodeMatchesStdlib(t *testing.T) {
	v := []any{"q\"b\\s\x00\x1f\u2028é", int64(-5), uint64(1 << 63), 2.5, 1e300, 100.0, true, nil, map[string]any{"b": int64(1), "a": []any{}}}
	b, err := json.AppendValue(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	var std any
	if err := stdjson.Unmarshal(b, &std); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ours, err := json.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !vectors.Equal(ours, v) {
		t.Fatalf("round trip %s: %#v", b, ours)
	}
	if string(b) != `["q\"b\\s\u0000\u001f`+"\u2028é"+`",-5,9223372036854775808,2.5,1e+300,100.0,true,null,{"a":[],"b":1}]` {
		t.Fatalf("encoding: %s", b)
	}
}

func TestBatched(t *testing.T) {
	s := json.Serializer{}
	var frame []byte
	msgs := []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unregistered{Request: 3}}
	for _, m := range msgs {
		var err error
		if frame, err = wamp.AppendBatched(frame, s, m); err != nil {
			t.Fatal(err)
		}
	}
	if string(frame) != "[17,1,2]\x18[67,3]\x18" {
		t.Fatalf("frame %q", frame)
	}
	var got []wamp.Message
	if err := wamp.SplitBatched(s, frame, func(m wamp.Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].(*wamp.Unregistered).Request != 3 {
		t.Fatalf("got %v", got)
	}
	if err := wamp.SplitBatched(s, []byte("[17,1,2]"), func(wamp.Message) error { return nil }); !errors.Is(err, wamp.ErrBatchFormat) {
		t.Fatalf("unterminated batch: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`[48,1,{},"a.b",[1,"x",{"k":[]}],{"a":1.5}]`, `[36,1,2,{},"\u0000AAEC"]`, `[1,"realm",{"roles":{}}]`, `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := json.Serializer{}.Unmarshal(b)
		if err != nil {
			return
		}
		out, err := json.Serializer{}.AppendMessage(nil, m)
		if err != nil {
			t.Fatalf("re-encode %T: %v", m, err)
		}
		m2, err := json.Serializer{}.Unmarshal(out)
		if err != nil {
			t.Fatalf("decode own %q: %v", out, err)
		}
		if err := vectors.MessagesEqual(m, m2); err != nil {
			t.Fatal(err)
		}
	})
}

func ExampleSerializer() {
	var s json.Serializer
	b, _ := s.AppendMessage(nil, &wamp.Call{Request: 1, Procedure: "com.example.add", Args: wamp.List{1, 2}, Kwargs: wamp.Dict{"bin": []byte("hi")}})
	fmt.Println(string(b))
	m, _ := s.Unmarshal(b)
	fmt.Printf("%q\n", m.(*wamp.Call).Kwargs["bin"])
	// Output:
	// [48,1,{},"com.example.add",[1,2],{"bin":"\u0000aGk="}]
	// "hi"
}

// TestStringSpecialsEveryPosition puts each character that needs escaping
// at every offset of strings up to 24 bytes, around the 8-byte fast path.
func TestStringSpecialsEveryPosition(t *testing.T) {
	for n := 1; n <= 72; n++ {
		for pos := range n {
			for _, c := range []byte{'"', '\\', 0, 0x1f, '\n', 0x7f, 0xc3} {
				if pos == 0 && c == 0 {
					continue // a leading NUL marks binary: the WAMP convention
				}
				buf := []byte(strings.Repeat("a", n))
				buf[pos] = c
				if c == 0xc3 { // a two-byte UTF-8 sequence
					buf = append(buf[:pos+1], append([]byte{0xa9}, buf[pos+1:]...)...)
				}
				s := string(buf)
				enc, err := json.AppendValue(nil, s)
				if err != nil {
					t.Fatal(err)
				}
				var std string
				if err := stdjson.Unmarshal(enc, &std); err != nil || std != s {
					t.Fatalf("%q -> %s: stdlib reads %q, %v", s, enc, std, err)
				}
				got, err := json.Decode(enc)
				if err != nil || got != s {
					t.Fatalf("%q -> %s -> %q, %v", s, enc, got, err)
				}
			}
		}
	}
}

// TestRawSpecialsEveryPosition puts a raw control character or an invalid
// UTF-8 byte at every offset of a JSON string, around the word-at-a-time
// fast paths of the decoder, which must reject each.
func TestRawSpecialsEveryPosition(t *testing.T) {
	for n := 1; n <= 72; n++ {
		for pos := range n {
			for _, c := range []byte{0, 0x1f, '\n', 0x80, 0xff, 0xc3} {
				buf := []byte(`"` + strings.Repeat("a", n) + `"`)
				buf[1+pos] = c
				if _, err := json.Decode(buf); err == nil {
					t.Fatalf("accepted %q", buf)
				}
			}
		}
	}
}

func FuzzWireMatchesList(f *testing.F) {
	vectors.FuzzWireMatchesList(f, json.Serializer{}, json.Decode)
}
