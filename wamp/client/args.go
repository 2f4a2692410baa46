package client

import (
	"fmt"
	"math"

	"github.com/autobahn-go/autobahn/wamp"
)

// DecodeArgs stores args[i] into dst[i] for every dst given, converting
// numbers between widths where no precision is lost. dst elements may be
// *string, *bool, *int, *int64, *uint64, *float64, *[]byte, *wamp.ID,
// *wamp.URI, *wamp.List, *wamp.Dict, *[]string or *any. Missing args are an
// error; extra args are ignored.
func DecodeArgs(args wamp.List, dst ...any) error {
	if len(args) < len(dst) {
		return fmt.Errorf("wamp/client: want %d arguments, got %d", len(dst), len(args))
	}
	for i, d := range dst {
		if err := Decode(args[i], d); err != nil {
			return fmt.Errorf("wamp/client: argument %d: %w", i, err)
		}
	}
	return nil
}

// Kwarg returns kw[key] converted to T (the types DecodeArgs supports), or
// false when the key is missing or does not convert.
func Kwarg[T any](kw wamp.Dict, key string) (T, bool) {
	var v T
	x, ok := kw[key]
	if !ok {
		return v, false
	}
	return v, Decode(x, &v) == nil
}

// Decode stores v into dst; see DecodeArgs.
func Decode(v any, dst any) error {
	bad := func() error { return fmt.Errorf("cannot store %T in %T", v, dst) }
	switch d := dst.(type) {
	case *any:
		*d = v
	case *string:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		*d = s
	case *wamp.URI:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		*d = wamp.URI(s)
	case *bool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		*d = b
	case *int64:
		n, ok := wamp.AsInt64(v)
		if !ok {
			return bad()
		}
		*d = n
	case *int:
		n, ok := wamp.AsInt64(v)
		if !ok || n < math.MinInt || n > math.MaxInt {
			return bad()
		}
		*d = int(n)
	case *uint64:
		if u, ok := v.(uint64); ok {
			*d = u
			return nil
		}
		n, ok := wamp.AsInt64(v)
		if !ok || n < 0 {
			return bad()
		}
		*d = uint64(n)
	case *wamp.ID:
		id, ok := wamp.AsID(v)
		if !ok {
			return bad()
		}
		*d = id
	case *float64:
		switch x := v.(type) {
		case float64:
			*d = x
		case float32:
			*d = float64(x)
		default:
			n, ok := wamp.AsInt64(v)
			if !ok {
				if u, isU := v.(uint64); isU {
					*d = float64(u)
					return nil
				}
				return bad()
			}
			*d = float64(n)
		}
	case *[]byte:
		b, ok := v.([]byte)
		if !ok {
			return bad()
		}
		*d = b
	case *wamp.List:
		l, ok := v.([]any)
		if !ok && v != nil {
			return bad()
		}
		*d = l
	case *wamp.Dict:
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return bad()
		}
		*d = m
	case *[]string:
		switch l := v.(type) {
		case []string:
			*d = l
		case []any:
			out := make([]string, len(l))
			for i, e := range l {
				s, ok := e.(string)
				if !ok {
					return bad()
				}
				out[i] = s
			}
			*d = out
		default:
			return bad()
		}
	default:
		return fmt.Errorf("unsupported destination %T", dst)
	}
	return nil
}
