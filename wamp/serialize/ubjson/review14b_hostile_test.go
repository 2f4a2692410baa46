package ubjson_test

import (
	"bytes"
	"errors"
	"runtime/debug"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// A length or count must be an integer marker. Read as a value, a string
// whose length is given as a string ("SSSS…") recursed once per input
// byte: 8 MiB of 'S', half the default WebSocket message limit, overflowed
// the goroutine stack (a fatal error, not a panic: the whole process died).
// The stack limit here makes 1 MiB enough to show it.
func TestReview14bLengthMarkerDoesNotRecurse(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	for _, in := range [][]byte{
		bytes.Repeat([]byte{'S'}, 1<<20),
		append([]byte{'['}, bytes.Repeat([]byte{'H'}, 1<<20)...),
		append([]byte("{"), bytes.Repeat([]byte{'S'}, 1<<20)...),  // a dict key's length
		append([]byte("[#"), bytes.Repeat([]byte{'S'}, 1<<20)...), // a count
	} {
		if _, err := ubjson.Decode(in); !errors.Is(err, ubjson.ErrMalformed) {
			t.Errorf("Decode(%.8q…) = %v, want ErrMalformed", in, err)
		}
		if _, err := (ubjson.Serializer{}).Unmarshal(in); !errors.Is(err, ubjson.ErrMalformed) {
			t.Errorf("Unmarshal(%.8q…) = %v, want ErrMalformed", in, err)
		}
	}
}

// py-ubjson reads lengths and counts as integers only; a high-precision
// number ('H') is not one.
func TestReview14bLengthIsAnInteger(t *testing.T) {
	for _, in := range []string{
		"SHU\x011a",      // string length as a high-precision number
		"SSU\x011a",      // string length as a string
		"[#HU\x011U\x01", // count as a high-precision number
		"[#D\x3f\xf0\x00\x00\x00\x00\x00\x00U\x01", // count as a float
		"{HU\x011aU\x01}",                          // key length as a high-precision number
	} {
		if v, err := ubjson.Decode([]byte(in)); !errors.Is(err, ubjson.ErrMalformed) {
			t.Errorf("Decode(%q) = %#v, %v; want ErrMalformed", in, v, err)
		}
	}
	// The integer markers still work, every width.
	for _, in := range []string{"SU\x01a", "Si\x01a", "SI\x00\x01a", "Sl\x00\x00\x00\x01a", "SL\x00\x00\x00\x00\x00\x00\x00\x01a"} {
		if v, err := ubjson.Decode([]byte(in)); err != nil || v != "a" {
			t.Errorf("Decode(%q) = %#v, %v; want \"a\"", in, v, err)
		}
	}
}

// Counted containers of Z, T or F take no input per element. Each was
// bounded to 65,536 elements, but not all of them together: 581 bytes of
// 64 nested such lists decoded into 4 Mi elements (64 MiB), so a 64 KiB
// message asked for about 7 GiB. The bound now holds for the whole value.
func TestReview14bZeroSizeElementsBoundedPerValue(t *testing.T) {
	one := []byte("[$Z#l\x00\x01\x00\x00") // 65,536 nulls in 9 bytes
	in := append([]byte("[#U\x40"), bytes.Repeat(one, 64)...)
	if v, err := ubjson.Decode(in); !errors.Is(err, ubjson.ErrMalformed) {
		n := 0
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if el, ok := e.([]any); ok {
					n += len(el)
				}
			}
		}
		t.Fatalf("Decode of %d bytes = %d elements, %v; want ErrMalformed", len(in), n, err)
	}
	// Two lists within the bound together decode.
	half := []byte("[$T#l\x00\x00\x80\x00") // 32,768 trues
	in = append(append([]byte("[#U\x02"), half...), half...)
	v, err := ubjson.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	if l := v.([]any); len(l) != 2 || len(l[0].([]any)) != 1<<15 || len(l[1].([]any)) != 1<<15 || l[1].([]any)[0] != true {
		t.Fatalf("Decode = %d lists, want two of 32,768 trues", len(l))
	}
	// One more payload-free element is over the bound.
	in = append(append(append([]byte("[#U\x03"), half...), half...), "[$F#U\x01"...)
	if _, err := ubjson.Decode(in); !errors.Is(err, ubjson.ErrMalformed) {
		t.Fatalf("65,537 payload-free elements: %v, want ErrMalformed", err)
	}
}
