package json_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// A number beyond float64's range (1e400; Python's json.dumps writes a
// big int in full) decoded to an infinity, which JSON cannot carry: a
// PUBLISH the router accepted from a JSON publisher could not be encoded
// for any JSON subscriber (the event was dropped for each) and UBJSON
// wrote null instead, while the publisher was told nothing. What
// Unmarshal accepts, AppendMessage now encodes: such a number is a clear
// ErrSyntax, as in encoding/json.
func TestReview18NumberBeyondFloat64Refused(t *testing.T) {
	big := "1" + strings.Repeat("0", 309) // 1e309 written as an integer
	for _, in := range []string{`1e400`, `-1e400`, `1.7976931348623159e308`, `[0.5,{"a":9e999}]`, big, "-" + big} {
		if v, err := json.Decode([]byte(in)); !errors.Is(err, json.ErrSyntax) || !strings.Contains(fmt.Sprint(err), "range") {
			t.Errorf("Decode(%.20s) = %v, %v; want ErrSyntax (out of range)", in, v, err)
		}
	}
	var s json.Serializer
	for _, in := range []string{
		`[16,1,{},"com.example.t",[1e400]]`,
		`[16,1,{},"com.example.t",[],{"x":-1e400}]`,
		`[48,1,{},"com.example.f",[` + big + `]]`,
		`[36,1,2,{"n":1e400}]`,
	} {
		if m, err := s.Unmarshal([]byte(in)); !errors.Is(err, json.ErrSyntax) {
			t.Errorf("Unmarshal(%.40s) = %v, %v; want ErrSyntax", in, m, err)
		}
	}

	// Still read: the largest float64, integers beyond uint64 as floats,
	// and numbers too small for float64 as zero.
	for in, want := range map[string]any{
		`1.7976931348623157e308`: 1.7976931348623157e308,
		`-1e308`:                 -1e308,
		`18446744073709551616`:   18446744073709551616.0,
		`1e-400`:                 0.0,
		`-4e-324`:                -5e-324,
	} {
		if v, err := json.Decode([]byte(in)); err != nil || v != want {
			t.Errorf("Decode(%s) = %v, %v; want %v", in, v, err, want)
		}
	}
	m, err := s.Unmarshal([]byte(`[16,1,{},"com.example.t",[1e308,1e-400]]`))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.AppendMessage(nil, m); err != nil || string(b) != `[16,1,{},"com.example.t",[1e+308,0.0]]` {
		t.Fatalf("re-encode: %s, %v", b, err)
	}
}
