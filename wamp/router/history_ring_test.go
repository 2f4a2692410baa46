package router

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

func ringIDs(h *historyRing) []wamp.ID {
	var ids []wamp.ID
	for i := range h.n {
		ids = append(ids, h.at(i).p.id)
	}
	return ids
}

// The ring against a plain slice: the last limit events, oldest first,
// while it grows and after it wraps.
func TestHistoryRing(t *testing.T) {
	for _, limit := range []int{1, 2, 3, 16, 17, 40} {
		h := &historyRing{limit: limit}
		var ref []wamp.ID
		for i := 1; i <= 100; i++ {
			h.add(time.Now(), &publication{id: wamp.ID(i), size: 10})
			ref = append(ref, wamp.ID(i))
			if len(ref) > limit {
				ref = ref[1:]
			}
			if got := ringIDs(h); !slices.Equal(got, ref) {
				t.Fatalf("limit %d after %d: %v, want %v", limit, i, got, ref)
			}
			if h.bytes != 10*len(ref) || len(h.buf) > limit {
				t.Fatalf("limit %d: bytes %d, buf %d", limit, h.bytes, len(h.buf))
			}
		}
	}
}

// The byte bound drops the oldest events whatever the limit; an event
// larger than the bound is not kept.
func TestHistoryRingBytes(t *testing.T) {
	h := &historyRing{limit: 100}
	third := HistoryRingBytes / 3
	for i := 1; i <= 5; i++ {
		h.add(time.Now(), &publication{id: wamp.ID(i), size: third})
	}
	if got := ringIDs(h); !slices.Equal(got, []wamp.ID{3, 4, 5}) {
		t.Fatalf("ring %v, want [3 4 5]", got)
	}
	h.add(time.Now(), &publication{id: 6, size: HistoryRingBytes + 1})
	if got := ringIDs(h); !slices.Equal(got, []wamp.ID{3, 4, 5}) || h.bytes != 3*third {
		t.Fatalf("ring %v (%d bytes) after an oversized event", got, h.bytes)
	}
}

// FuzzHistoryQuery: get_events' arguments, as a JSON peer sends them,
// never panic the parser, and a query it accepts has a sane limit.
func FuzzHistoryQuery(f *testing.F) {
	f.Add(`[1]`, `{}`)
	f.Add(`[1, 10]`, `{"reverse": true, "limit": 5}`)
	f.Add(`[1]`, `{"from_time": "2024-01-02T03:04:05.678Z", "after_publication": 7, "topic": "a.b"}`)
	f.Add(`["x"]`, `{"limit": -1}`)
	f.Fuzz(func(t *testing.T, args, kwargs string) {
		var a []any
		var kw map[string]any
		if json.Unmarshal([]byte(args), &a) != nil || json.Unmarshal([]byte(kwargs), &kw) != nil {
			return
		}
		_, q, err := parseHistoryQuery(a, kw)
		if err == nil && (q.limit < 0 || q.limit > MaxHistoryLimit) {
			t.Fatalf("accepted limit %d", q.limit)
		}
	})
}
