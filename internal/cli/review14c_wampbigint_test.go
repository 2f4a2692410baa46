package cli

import (
	"context"
	"testing"
)

// An integer argument above MaxInt64 (a uint64, which WAMP's serializers
// carry exactly) reaches the procedure as that integer, not rounded to a
// float64: the echo prints back what was typed.
func TestReview14cWAMPCallBigUnsigned(t *testing.T) {
	url := wampRouterURL(t)
	_, regErr, stop := background(t, "wamp", "register", url, "com.t.big")
	defer stop()
	regErr.wait(t, "registered com.t.big")
	for _, ser := range []string{"json", "cbor"} {
		var out, errb wampOut
		err := run(context.Background(), []string{"wamp", "call", "--serializer", ser, url, "com.t.big",
			"18446744073709551615", "9223372036854775808", "[18446744073709551614]", "-9223372036854775808", "1e2"}, &out, &errb)
		want := `{"args":[18446744073709551615,9223372036854775808,[18446744073709551614],-9223372036854775808,100]}` + "\n"
		if err != nil || out.String() != want {
			t.Errorf("%s: %q, %v; want %q", ser, out.String(), err, want)
		}
	}
}
