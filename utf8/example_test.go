package utf8_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/utf8"
)

func ExampleValid() {
	fmt.Println(utf8.Valid([]byte("Grüße, 世界")))
	fmt.Println(utf8.Valid([]byte("\xed\xa0\x80"))) // a surrogate
	// Output:
	// true
	// false
}

func ExampleValidate() {
	for _, s := range []string{"hello", "naïve", "ok\xc0\xafno", "cut \xe2\x82"} {
		r := utf8.Validate([]byte(s))
		fmt.Println(r.Kind, r.Offset, r.Truncated([]byte(s)))
	}
	// Output:
	// ascii 5 false
	// utf8 6 false
	// invalid 2 false
	// invalid 6 true
}

func ExampleValidator() {
	// The euro sign E2 82 AC arrives split over two fragments.
	var v utf8.Validator
	fmt.Println(v.Write([]byte("price: 5 \xe2\x82")), v.Write([]byte("\xac")), v.Done())

	// An ED A0 prefix can only be a surrogate: Write fails at once,
	// before the message ends.
	v.Reset()
	fmt.Println(v.Write([]byte("abc\xed")), v.Write([]byte("\xa0")))
	// Output:
	// true true true
	// true false
}
