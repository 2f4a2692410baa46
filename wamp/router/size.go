package router

import "github.com/autobahn-go/autobahn/wamp"

// Sizes estimate how many octets a message takes when encoded, for the
// outbound queue's accounting. They err on the large side of JSON and
// MessagePack for the usual values; exactness does not matter, bounding
// does.
const (
	msgOverhead   = 16 // type code, IDs, brackets
	valueOverhead = 5
	maxSizeDepth  = 64 // deeper values count as sizeDeepValue
	sizeDeepValue = 64
)

// valueSize estimates the encoded size of a Dict or List value.
func valueSize(v any, depth int) int {
	if depth > maxSizeDepth {
		return sizeDeepValue
	}
	switch x := v.(type) {
	case nil, bool:
		return valueOverhead
	case string:
		return len(x) + valueOverhead
	case []byte:
		return len(x)*4/3 + valueOverhead // base64 in JSON
	case []any:
		n := valueOverhead
		for _, e := range x {
			n += valueSize(e, depth+1)
		}
		return n
	case map[string]any:
		n := valueOverhead
		for k, e := range x {
			n += len(k) + valueOverhead + valueSize(e, depth+1)
		}
		return n
	case []string:
		n := valueOverhead
		for _, e := range x {
			n += len(e) + valueOverhead
		}
		return n
	}
	return 12 // numbers and anything else
}

// payloadSize estimates the arguments of a message: Args, Kwargs, Payload.
func payloadSize(args wamp.List, kwargs wamp.Dict, payload []byte) int {
	n := len(payload)
	if args != nil {
		n += valueSize(args, 0)
	}
	if kwargs != nil {
		n += valueSize(kwargs, 0)
	}
	return n
}

// messageSize estimates m's encoded size.
func messageSize(m wamp.Message) int {
	switch m := m.(type) {
	case *wamp.Encoded:
		return len(m.Bytes)
	case *wamp.Event:
		return msgOverhead + valueSize(m.Details, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Invocation:
		return msgOverhead + valueSize(m.Details, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Result:
		return msgOverhead + valueSize(m.Details, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Error:
		return msgOverhead + len(m.Error) + valueSize(m.Details, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Welcome:
		return msgOverhead + valueSize(m.Details, 0)
	case *wamp.Abort:
		return msgOverhead + len(m.Reason) + valueSize(m.Details, 0)
	case *wamp.Goodbye:
		return msgOverhead + len(m.Reason) + valueSize(m.Details, 0)
	case *wamp.Challenge:
		return msgOverhead + len(m.AuthMethod) + valueSize(m.Extra, 0)
	case *wamp.Interrupt:
		return msgOverhead + valueSize(m.Options, 0)
	}
	return msgOverhead
}
