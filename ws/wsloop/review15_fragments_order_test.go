package wsloop_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

// TestReview15SmallFragmentsInOrder: compressed messages in fragments of
// 200 bytes, whose first KiB is decoded on the loop and the rest off it,
// piece by piece, between small messages decoded on the loop, are echoed
// whole and in order, with both codecs that decode on the last piece
// (deflate) and piece by piece (snappy).
func TestReview15SmallFragmentsInOrder(t *testing.T) {
	for _, c := range []struct {
		name string
		ext  ws.Extension
	}{
		{"deflate", deflate.New(deflate.Options{})},
		{"snappy", snappy.New(snappy.Options{})},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{c.ext}}
			u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1, WriteHighWatermark: 8 << 20})
			copts := *opts
			copts.AutoFragmentSize = 200
			cl := dial(t, u, &copts)
			rng := rand.New(rand.NewPCG(5, 6))
			var msgs [][]byte
			for i := range 45 {
				n := 1 + rng.IntN(100)
				if i%3 == 0 {
					n = 1 + rng.IntN(8<<10)
				}
				m := make([]byte, n)
				for j := range m {
					m[j] = 'a' + byte(rng.IntN(4+22*(i%2))) // some compress well, some not
				}
				msgs = append(msgs, m)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				for _, m := range msgs {
					if err := cl.WriteMessage(ctx, ws.OpBinary, m); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i, want := range msgs {
				_, p, err := cl.ReadMessage(ctx)
				if err != nil || !bytes.Equal(p, want) {
					t.Fatalf("message %d (%d bytes): %d bytes back, %v", i, len(want), len(p), err)
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
