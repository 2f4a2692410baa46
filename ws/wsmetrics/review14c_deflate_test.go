package wsmetrics_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// TestDeflateDiff: compressed messages, whole and fragmented, small and
// large enough for wsloop to decode them off the loop, are counted by
// their decoded payload on every driver.
func TestDeflateDiff(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte('a' + r.IntN(4)) // compresses, not to nothing
	}
	msgs := [][]byte{[]byte("small"), big[:5000], big}
	snaps := map[string]wsmetrics.Snapshot{}
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 4)}
			ext := []ws.Extension{deflate.New(deflate.Options{})}
			addr, stop := start(t, h, m, &ws.Options{Extensions: ext})
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			for _, frag := range []int{0, 1000} {
				c, err := ws.Dial(ctx, "ws://"+addr+"/", &ws.Options{Extensions: ext, AutoFragmentSize: frag})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range msgs {
					roundTrip(ctx, t, c, ws.OpBinary, p)
				}
				_ = c.Close(1000, "")
				wantClose(t, h, 1000)
			}
			s := m.Snapshot()
			s.Durations = wsmetrics.Histogram{}
			snaps[name] = s
			var want uint64
			for _, p := range msgs {
				want += 2 * uint64(len(p))
			}
			if s.BytesIn != want || s.BytesOut != want || s.MessagesIn != 6 || s.MessagesOut != 6 {
				t.Errorf("in %d msgs %d bytes, out %d msgs %d bytes; want 6 msgs %d bytes each way", s.MessagesIn, s.BytesIn, s.MessagesOut, s.BytesOut, want)
			}
		})
	}
	var first string
	for name, s := range snaps {
		if first == "" {
			first = name
			continue
		}
		if !reflect.DeepEqual(s, snaps[first]) {
			t.Errorf("%s counted\n%+v\n%s counted\n%+v", first, snaps[first], name, s)
		}
	}
}
