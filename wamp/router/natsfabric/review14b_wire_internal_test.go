package natsfabric

import (
	"math"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// A call's timeout decodes whatever its size: long ones as they are, one
// past what a Duration holds as the longest; a negative one does not.
func TestReview14bCallTimeoutDecodes(t *testing.T) {
	raw := func(ms int64) []byte {
		b, err := encode(wamp.List{int64(kindCall), "r", "p", wamp.MatchExact, "p", uint64(1), "", "", nil, ms, nil, nil, nil})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		ms   int64
		want time.Duration
	}{
		{0, 0},
		{int64(48 * time.Hour / time.Millisecond), 48 * time.Hour},
		{int64(100 * 365 * 24 * time.Hour / time.Millisecond), 100 * 365 * 24 * time.Hour},
		{math.MaxInt64, time.Duration(math.MaxInt64/int64(time.Millisecond)) * time.Millisecond},
	} {
		fc, err := decodeCall(raw(c.ms))
		if err != nil || fc.Timeout != c.want {
			t.Errorf("timeout %d ms: %v %v, want %v", c.ms, fc.Timeout, err, c.want)
		}
	}
	if _, err := decodeCall(raw(-1)); err == nil {
		t.Error("a negative timeout decoded")
	}
}
