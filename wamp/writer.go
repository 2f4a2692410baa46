package wamp

// ListWriter receives the elements of a message's wire list in order.
// Serializers implement it to encode a message without building a List
// (and without boxing its IDs). Value gets Dict, List and []byte fields,
// nil ones included (to be written as empty containers).
type ListWriter interface {
	BeginList(n int)
	Int(v int64)
	ID(v ID)
	String(s string)
	Value(v any) error
	EndList()
}

// WriteList writes the wire list of m to w, with the same elements as
// ToList. It reports false for a message type it does not know.
func WriteList(m Message, w ListWriter) (bool, error) {
	var err error
	val := func(v any) {
		if err == nil {
			err = w.Value(v)
		}
	}
	switch m := m.(type) {
	case *Hello:
		w.BeginList(3)
		w.Int(int64(TypeHello))
		w.String(string(m.Realm))
		val(m.Details)
	case *Welcome:
		w.BeginList(3)
		w.Int(int64(TypeWelcome))
		w.ID(m.Session)
		val(m.Details)
	case *Abort:
		w.BeginList(3)
		w.Int(int64(TypeAbort))
		val(m.Details)
		w.String(string(m.Reason))
	case *Challenge:
		w.BeginList(3)
		w.Int(int64(TypeChallenge))
		w.String(m.AuthMethod)
		val(m.Extra)
	case *Authenticate:
		w.BeginList(3)
		w.Int(int64(TypeAuthenticate))
		w.String(m.Signature)
		val(m.Extra)
	case *Goodbye:
		w.BeginList(3)
		w.Int(int64(TypeGoodbye))
		val(m.Details)
		w.String(string(m.Reason))
	case *Error:
		w.BeginList(5 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeError))
		w.Int(int64(m.RequestType))
		w.ID(m.Request)
		val(m.Details)
		w.String(string(m.Error))
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Publish:
		w.BeginList(4 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypePublish))
		w.ID(m.Request)
		val(m.Options)
		w.String(string(m.Topic))
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Published:
		writeIDs(w, TypePublished, m.Request, m.Publication)
	case *Subscribe:
		w.BeginList(4)
		w.Int(int64(TypeSubscribe))
		w.ID(m.Request)
		val(m.Options)
		w.String(string(m.Topic))
	case *Subscribed:
		writeIDs(w, TypeSubscribed, m.Request, m.Subscription)
	case *Unsubscribe:
		writeIDs(w, TypeUnsubscribe, m.Request, m.Subscription)
	case *Unsubscribed:
		writeRevoked(w, val, TypeUnsubscribed, m.Request, m.Details)
	case *Event:
		w.BeginList(4 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeEvent))
		w.ID(m.Subscription)
		w.ID(m.Publication)
		val(m.Details)
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Call:
		w.BeginList(4 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeCall))
		w.ID(m.Request)
		val(m.Options)
		w.String(string(m.Procedure))
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Cancel:
		w.BeginList(3)
		w.Int(int64(TypeCancel))
		w.ID(m.Request)
		val(m.Options)
	case *Result:
		w.BeginList(3 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeResult))
		w.ID(m.Request)
		val(m.Details)
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Register:
		w.BeginList(4)
		w.Int(int64(TypeRegister))
		w.ID(m.Request)
		val(m.Options)
		w.String(string(m.Procedure))
	case *Registered:
		writeIDs(w, TypeRegistered, m.Request, m.Registration)
	case *Unregister:
		writeIDs(w, TypeUnregister, m.Request, m.Registration)
	case *Unregistered:
		writeRevoked(w, val, TypeUnregistered, m.Request, m.Details)
	case *Invocation:
		w.BeginList(4 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeInvocation))
		w.ID(m.Request)
		w.ID(m.Registration)
		val(m.Details)
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	case *Interrupt:
		w.BeginList(3)
		w.Int(int64(TypeInterrupt))
		w.ID(m.Request)
		val(m.Options)
	case *Yield:
		w.BeginList(3 + argsLen(m.Args, m.Kwargs, m.Payload))
		w.Int(int64(TypeYield))
		w.ID(m.Request)
		val(m.Options)
		writeArgs(w, val, m.Args, m.Kwargs, m.Payload)
	default:
		return false, nil
	}
	w.EndList()
	return true, err
}

// writeIDs writes the messages that are a type and two IDs:
// [TYPE, Request|ID, ID|ID], e.g. [PUBLISHED, Request, Publication].
func writeIDs(w ListWriter, t MessageType, a, b ID) {
	w.BeginList(3)
	w.Int(int64(t))
	w.ID(a)
	w.ID(b)
}

// writeRevoked writes UNSUBSCRIBED and UNREGISTERED: [TYPE, Request] or,
// when the router revokes, [TYPE, Request, Details].
func writeRevoked(w ListWriter, val func(any), t MessageType, req ID, details Dict) {
	if details != nil {
		w.BeginList(3)
	} else {
		w.BeginList(2)
	}
	w.Int(int64(t))
	w.ID(req)
	if details != nil {
		val(details)
	}
}

// argsLen is how many elements appendArgs adds.
func argsLen(args List, kw Dict, payload []byte) int {
	switch {
	case payload != nil:
		return 1
	case len(kw) > 0:
		return 2
	case len(args) > 0:
		return 1
	}
	return 0
}

func writeArgs(w ListWriter, val func(any), args List, kw Dict, payload []byte) {
	switch {
	case payload != nil:
		val(payload)
	case len(kw) > 0:
		val(args)
		val(kw)
	case len(args) > 0:
		val(args)
	}
}
