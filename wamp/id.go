package wamp

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
)

// ID identifies sessions, publications, subscriptions, registrations and
// requests. Valid IDs are 1..MaxID (WAMP spec, "Identifiers").
type ID uint64

// MaxID is the largest ID: 2^53, so that IDs survive IEEE-754 doubles.
const MaxID ID = 1 << 53

// GlobalID returns a random ID in 1..MaxID, for the global scope (session
// and publication IDs).
func GlobalID() ID { return ID(rand.Uint64N(uint64(MaxID))) + 1 }

// IDGen hands out session-scope IDs 1, 2, 3, … wrapping after MaxID. The zero
// value is ready; it is safe for concurrent use.
type IDGen struct{ n atomic.Uint64 }

// Next returns the next ID.
func (g *IDGen) Next() ID {
	for {
		v := g.n.Add(1)
		if v <= uint64(MaxID) {
			return ID(v)
		}
		g.n.CompareAndSwap(v, 0)
	}
}

// AsID converts a decoded value (any integer type, or an integral float64)
// to an ID. It reports false for anything else, including negative numbers
// and values above MaxID; zero is returned with true and left to callers.
func AsID(v any) (ID, bool) {
	switch x := v.(type) {
	case int64:
		if x >= 0 && x <= int64(MaxID) {
			return ID(x), true
		}
	case uint64:
		if x <= uint64(MaxID) {
			return ID(x), true
		}
	case int:
		if x >= 0 && uint64(x) <= uint64(MaxID) {
			return ID(x), true
		}
	case ID:
		if x <= MaxID {
			return x, true
		}
	case uint32:
		return ID(x), true
	case int32:
		if x >= 0 {
			return ID(x), true
		}
	case uint:
		if uint64(x) <= uint64(MaxID) {
			return ID(x), true
		}
	case float64:
		if x >= 0 && x <= float64(MaxID) && x == math.Trunc(x) {
			return ID(x), true
		}
	}
	return 0, false
}

// AsInt64 converts a decoded integer value (any integer type or an integral
// float64) to int64.
func AsInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case ID:
		return int64(x), x <= MaxID
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), true
		}
	}
	return 0, false
}
