package compress

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Messages are distinct JSON-like messages of 200–1200 bytes with the
// repetition of real API traffic: the same keys, users and event names,
// different numbers.
func Messages() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	events := []string{"price.update", "order.created", "order.filled", "user.joined", "chat.message"}
	out := make([][]byte, 1000)
	for i := range out {
		var b strings.Builder
		b.WriteString(`{"jsonrpc":"2.0","method":"notify","params":[`)
		for n := 2 + rng.IntN(10); n > 0; n-- {
			fmt.Fprintf(&b, `{"event":%q,"id":%d,"user":"user-%03d","symbol":"SYM%d","price":%.4f,"qty":%d,"ts":%d},`,
				events[rng.IntN(len(events))], rng.IntN(1_000_000), rng.IntN(200), rng.IntN(30),
				rng.Float64()*1000, rng.IntN(500), 1_700_000_000_000+rng.Int64N(1_000_000))
		}
		b.WriteString(`{}]}`)
		out[i] = []byte(b.String())
	}
	return out
}

// RepetitiveMessages are JSON messages of 150–400 bytes whose values come
// from small sets, as in presence, status or game-state updates: most of
// each message repeats earlier ones, which only context takeover can use.
func RepetitiveMessages() [][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	status := []string{"online", "away", "busy", "offline"}
	rooms := []string{"lobby", "general", "random", "support", "dev"}
	out := make([][]byte, 1000)
	ts := int64(1_700_000_000_000)
	for i := range out {
		ts += rng.Int64N(50)
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"presence","room":%q,"ts":%d,"users":[`, rooms[rng.IntN(len(rooms))], ts)
		for n := 1 + rng.IntN(4); n > 0; n-- {
			fmt.Fprintf(&b, `{"name":"user-%02d","status":%q,"typing":%t},`, rng.IntN(20), status[rng.IntN(len(status))], rng.IntN(4) == 0)
		}
		b.WriteString(`{}]}`)
		out[i] = []byte(b.String())
	}
	return out
}
