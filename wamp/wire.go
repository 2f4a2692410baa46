package wamp

// MaxWireLen is the most elements a valid message's wire list has (ERROR
// with Arguments and ArgumentsKw).
const MaxWireLen = 7

// Kind says which field of an Elem holds its value.
type Kind uint8

// The kinds of a wire list element.
const (
	KindValue  Kind = iota // Val: any other value (nil, bool, float64, other integer types)
	KindInt                // Int
	KindUint               // Uint
	KindString             // Str
	KindDict               // Dict (nil is written as an empty dict)
	KindList               // List (nil is written as an empty list)
	KindBytes              // Bytes
)

// Elem is one top-level element of a message's wire list, kept unboxed so
// that IDs, type codes and URIs cost no allocation on their way between a
// message struct and the wire.
type Elem struct {
	Kind  Kind
	Int   int64
	Uint  uint64
	Str   string
	Dict  Dict
	List  List
	Bytes []byte
	Val   any
}

// Wire is a message's wire list with unboxed top-level elements: the form
// serializers encode from (ToWire) and decode into (FromWire). Len is the
// number of elements on the wire; a decoder that reads a longer list sets
// Len to its true length, fills the first MaxWireLen elements and drops
// the rest, and FromWire rejects it by its length.
type Wire struct {
	Len   int
	Elems [MaxWireLen]Elem
}

// Value returns e's value as the Go type ToList would hold.
func (e *Elem) Value() any {
	switch e.Kind {
	case KindInt:
		return e.Int
	case KindUint:
		return e.Uint
	case KindString:
		return e.Str
	case KindDict:
		return e.Dict
	case KindList:
		return e.List
	case KindBytes:
		return e.Bytes
	}
	return e.Val
}

// SetValue stores v in e under the kind of its Go type.
func (e *Elem) SetValue(v any) {
	switch x := v.(type) {
	case int64:
		*e = Elem{Kind: KindInt, Int: x}
	case uint64:
		*e = Elem{Kind: KindUint, Uint: x}
	case string:
		*e = Elem{Kind: KindString, Str: x}
	case map[string]any:
		*e = Elem{Kind: KindDict, Dict: x}
	case []any:
		*e = Elem{Kind: KindList, List: x}
	case []byte:
		*e = Elem{Kind: KindBytes, Bytes: x}
	default:
		*e = Elem{Val: v}
	}
}

func (w *Wire) add() *Elem {
	e := &w.Elems[w.Len]
	w.Len++
	return e
}

func (w *Wire) int(v int64)        { *w.add() = Elem{Kind: KindInt, Int: v} }
func (w *Wire) id(v ID)            { *w.add() = Elem{Kind: KindUint, Uint: uint64(v)} }
func (w *Wire) str(s string)       { *w.add() = Elem{Kind: KindString, Str: s} }
func (w *Wire) dict(d Dict)        { *w.add() = Elem{Kind: KindDict, Dict: d} }
func (w *Wire) list(l List)        { *w.add() = Elem{Kind: KindList, List: l} }
func (w *Wire) bytes(b []byte)     { *w.add() = Elem{Kind: KindBytes, Bytes: b} }
func (w *Wire) head(t MessageType) { w.Len = 0; w.int(int64(t)) }

// ToWire fills w with the wire list of m, the same elements as ToList. It
// does not validate m and reports false for a message type it does not
// know. w only refers to m's fields; nothing is copied or boxed.
func ToWire(m Message, w *Wire) bool {
	switch m := m.(type) {
	case *Hello:
		w.head(TypeHello)
		w.str(string(m.Realm))
		w.dict(m.Details)
	case *Welcome:
		w.head(TypeWelcome)
		w.id(m.Session)
		w.dict(m.Details)
	case *Abort:
		w.head(TypeAbort)
		w.dict(m.Details)
		w.str(string(m.Reason))
	case *Challenge:
		w.head(TypeChallenge)
		w.str(m.AuthMethod)
		w.dict(m.Extra)
	case *Authenticate:
		w.head(TypeAuthenticate)
		w.str(m.Signature)
		w.dict(m.Extra)
	case *Goodbye:
		w.head(TypeGoodbye)
		w.dict(m.Details)
		w.str(string(m.Reason))
	case *Error:
		w.head(TypeError)
		w.int(int64(m.RequestType))
		w.id(m.Request)
		w.dict(m.Details)
		w.str(string(m.Error))
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Publish:
		w.head(TypePublish)
		w.id(m.Request)
		w.dict(m.Options)
		w.str(string(m.Topic))
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Published:
		w.ids(TypePublished, m.Request, m.Publication)
	case *Subscribe:
		w.head(TypeSubscribe)
		w.id(m.Request)
		w.dict(m.Options)
		w.str(string(m.Topic))
	case *Subscribed:
		w.ids(TypeSubscribed, m.Request, m.Subscription)
	case *Unsubscribe:
		w.ids(TypeUnsubscribe, m.Request, m.Subscription)
	case *Unsubscribed:
		w.revoked(TypeUnsubscribed, m.Request, m.Details)
	case *Event:
		w.head(TypeEvent)
		w.id(m.Subscription)
		w.id(m.Publication)
		w.dict(m.Details)
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Call:
		w.head(TypeCall)
		w.id(m.Request)
		w.dict(m.Options)
		w.str(string(m.Procedure))
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Cancel:
		w.head(TypeCancel)
		w.id(m.Request)
		w.dict(m.Options)
	case *Result:
		w.head(TypeResult)
		w.id(m.Request)
		w.dict(m.Details)
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Register:
		w.head(TypeRegister)
		w.id(m.Request)
		w.dict(m.Options)
		w.str(string(m.Procedure))
	case *Registered:
		w.ids(TypeRegistered, m.Request, m.Registration)
	case *Unregister:
		w.ids(TypeUnregister, m.Request, m.Registration)
	case *Unregistered:
		w.revoked(TypeUnregistered, m.Request, m.Details)
	case *Invocation:
		w.head(TypeInvocation)
		w.id(m.Request)
		w.id(m.Registration)
		w.dict(m.Details)
		w.args(m.Args, m.Kwargs, m.Payload)
	case *Interrupt:
		w.head(TypeInterrupt)
		w.id(m.Request)
		w.dict(m.Options)
	case *Yield:
		w.head(TypeYield)
		w.id(m.Request)
		w.dict(m.Options)
		w.args(m.Args, m.Kwargs, m.Payload)
	default:
		w.Len = 0
		return false
	}
	return true
}

// ids writes the messages that are a type and two IDs:
// [TYPE, Request|ID, ID|ID], e.g. [PUBLISHED, Request, Publication].
func (w *Wire) ids(t MessageType, a, b ID) {
	w.head(t)
	w.id(a)
	w.id(b)
}

// revoked writes UNSUBSCRIBED and UNREGISTERED: [TYPE, Request] or, when
// the router revokes, [TYPE, Request, Details].
func (w *Wire) revoked(t MessageType, req ID, details Dict) {
	w.head(t)
	w.id(req)
	if details != nil {
		w.dict(details)
	}
}

// args follows Autobahn: the payload alone in passthru mode, else
// Arguments only when non-empty or when ArgumentsKw follows.
func (w *Wire) args(args List, kw Dict, payload []byte) {
	switch {
	case payload != nil:
		w.bytes(payload)
	case len(kw) > 0:
		if args == nil {
			args = List{}
		}
		w.list(args)
		w.dict(kw)
	case len(args) > 0:
		w.list(args)
	}
}
