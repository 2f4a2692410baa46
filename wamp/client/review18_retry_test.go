package client_test

import (
	"math"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/client"
)

// A RetryPolicy with a NaN Growth or Jitter (a ratio computed from a bad
// configuration, say) made every Delay NaN, which converted to a negative
// Duration: Component.Run then reconnected at once, again and again, with
// no backoff at all. NaN now means the default, as 0 does.
func TestReview18RetryDelayNaN(t *testing.T) {
	nan := math.NaN()
	half := func() float64 { return 0.5 } // no jitter's spread
	for _, p := range []client.RetryPolicy{
		{Growth: nan},
		{Jitter: nan},
		{Growth: nan, Jitter: nan},
	} {
		for attempt, want := range []time.Duration{1500 * time.Millisecond, 2250 * time.Millisecond, 3375 * time.Millisecond} {
			if got := p.Delay(attempt, half); got != want {
				t.Errorf("%+v: Delay(%d) = %v, want %v (the default policy's)", p, attempt, got, want)
			}
		}
		for attempt := range 40 {
			if got := p.Delay(attempt, func() float64 { return 0 }); got <= 0 || got > 300*time.Second {
				t.Errorf("%+v: Delay(%d) = %v, want within (0, 300 s]", p, attempt, got)
			}
		}
	}
}
