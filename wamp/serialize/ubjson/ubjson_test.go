package ubjson_test

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

func TestGolden(t *testing.T) {
	exact, _ := vectors.RunGolden(t, ubjson.Serializer{}, "ubjson")
	if exact < 27 {
		t.Errorf("only %d byte-exact", exact)
	}
}

func TestRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"{}",                         // a dict, not a list
		"[U\x11U\x01S",               // truncated string
		"[U\x11U\x01SU\x02\xff\xfe]", // bad UTF-8
		"[#l\x7f\xff\xff\xff",        // count beyond input
		"[$Z#l\x7f\xff\xff\xff",      // too many payload-free elements
		"[$U]",                       // $ without #
		"[U\x11",                     // no end marker
		"[U\x11]]",                   // trailing data
		"[U\x11X]",                   // unknown marker
		"[U\x11{U\x01aZU\x01aZ}]",    // duplicate key
		"[U\x11HU\x03abc]",           // bad high-precision number
	} {
		if _, err := (ubjson.Serializer{}).Unmarshal([]byte(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

func TestDecodeForms(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"[#U\x02U\x01i\xff", "[]interface {}{1, -1}"},
		{"[$i#U\x02\x01\xff", "[]interface {}{1, -1}"},
		{"[$U#U\x02\x01\xff", "[]byte{0x1, 0xff}"},
		{"N[NU\x01N]N", "[]interface {}{1}"},
		{"{$T#U\x01U\x01a", "map[string]interface {}{\"a\":true}"},
		{"[d\x3f\xc0\x00\x00Ca]", "[]interface {}{1.5, \"a\"}"},
		{"HU\x1418446744073709551615", "0xffffffffffffffff"},
		{"I\x80\x00", "-32768"},
	}
	for _, tt := range tests {
		v, err := ubjson.Decode([]byte(tt.in))
		if err != nil || fmt.Sprintf("%#v", v) != tt.want {
			t.Errorf("Decode(%q) = %#v, %v; want %s", tt.in, v, err, tt.want)
		}
	}
}

func TestBatched(t *testing.T) {
	s := ubjson.Serializer{}
	var frame []byte
	for _, m := range []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unregistered{Request: 3}} {
		var err error
		if frame, err = wamp.AppendBatched(frame, s, m); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(frame, []byte{0, 0, 0, 8, '[', 'U', 0x11, 'U', 1, 'U', 2, ']', 0, 0, 0, 6, '[', 'U', 0x43, 'U', 3, ']'}) {
		t.Fatalf("frame %x", frame)
	}
	n := 0
	if err := wamp.SplitBatched(s, frame, func(wamp.Message) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("split: %d, %v", n, err)
	}
}

// nonFiniteCall is a CALL whose arguments are NaN (float64), +Inf (float32)
// and -Inf (float64).
const nonFiniteCall = "[U\x30U\x01{}SU\x03a.b[D\x7f\xf8\x00\x00\x00\x00\x00\x00d\x7f\x80\x00\x00D\xff\xf0\x00\x00\x00\x00\x00\x00]]"

// TestNonFinite: NaN and infinities decode as floats, as py-ubjson decodes
// them, and are written as null, as py-ubjson writes them (UBJSON has no
// way to carry them).
func TestNonFinite(t *testing.T) {
	s := ubjson.Serializer{}
	m, err := s.Unmarshal([]byte(nonFiniteCall))
	if err != nil {
		t.Fatal(err)
	}
	args := m.(*wamp.Call).Args
	if len(args) != 3 || !math.IsNaN(args[0].(float64)) || !math.IsInf(args[1].(float64), 1) || !math.IsInf(args[2].(float64), -1) {
		t.Fatalf("args %#v", args)
	}
	out, err := s.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[U\x30U\x01{}SU\x03a.b[ZZZ]]"; string(out) != want {
		t.Fatalf("re-encoded %q, want %q", out, want)
	}
}

// FuzzUnmarshal: UBJSON writes a decoded NaN or infinity back as null (CI's
// fuzzing once found that a plain round-trip comparison reads this as a
// bug; nonFiniteCall is the seed that keeps it covered).
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(nonFiniteCall))
	vectors.FuzzRoundTripNonFiniteAsNull(f, ubjson.Serializer{})
}

func ExampleSerializer() {
	var s ubjson.Serializer
	b, _ := s.AppendMessage(nil, &wamp.Published{Request: 1, Publication: 2})
	fmt.Printf("%x\n", b)
	m, _ := s.Unmarshal(b)
	fmt.Println(m.(*wamp.Published).Publication)
	// Output:
	// 5b5511550155025d
	// 2
}

func FuzzWireMatchesList(f *testing.F) {
	vectors.FuzzWireMatchesList(f, ubjson.Serializer{}, ubjson.Decode)
}
