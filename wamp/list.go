package wamp

// ToList returns the wire list of m. It does not validate m. Nil Dict and
// List fields stay nil; serializers write them as empty containers.
func ToList(m Message) List {
	var w Wire
	if !ToWire(m, &w) {
		return nil
	}
	l := make(List, w.Len)
	for i := range l {
		l[i] = w.Elems[i].Value()
	}
	return l
}

// FromList checks l and returns the message it holds, applying loose URI
// rules. Every error matches ErrProtocolViolation.
func FromList(l List) (Message, error) { return fromList(l, false) }

// FromListStrict is FromList with strict URI rules ([0-9a-z_] components).
func FromListStrict(l List) (Message, error) { return fromList(l, true) }

func fromList(l List, strict bool) (Message, error) {
	var w Wire
	w.Len = len(l)
	for i := range min(len(l), MaxWireLen) {
		w.Elems[i].SetValue(l[i])
	}
	return fromWire(&w, strict)
}

// FromWire is FromList for a decoded Wire: the same checks, the same
// errors. The message refers to w's strings, dicts, lists and bytes; it
// does not keep w.
func FromWire(w *Wire) (Message, error) { return fromWire(w, false) }

func fromWire(w *Wire, strict bool) (Message, error) {
	if w.Len == 0 {
		return nil, violation("empty message")
	}
	code, ok := w.Elems[0].asInt64()
	if !ok {
		return nil, violation("message type must be an integer, got %s", kindOf(w.Elems[0].Value()))
	}
	t := MessageType(code)
	// The first error goes to err, outside p: escape analysis does not tell
	// struct fields apart, and returning p.err would move the caller's
	// Wire to the heap.
	var err error
	p := parser{w: w, t: t, strict: strict, err: &err}
	var m Message
	switch t {
	case TypeHello:
		p.length(3, 3)
		x := &Hello{}
		x.Realm = p.uri(1, "Realm", MatchExact)
		x.Details = p.dict(2, "Details", helloDetailRules)
		p.roles("Details.roles", x.Details, "publisher", "subscriber", "caller", "callee")
		m = x
	case TypeWelcome:
		p.length(3, 3)
		x := &Welcome{Session: p.id(1, "Session"), Details: p.dict(2, "Details", nil)}
		p.roles("Details.roles", x.Details, "broker", "dealer")
		m = x
	case TypeAbort:
		p.length(3, 3)
		m = &Abort{Details: p.dict(1, "Details", closeRules), Reason: p.uri(2, "Reason", MatchExact)}
	case TypeChallenge:
		p.length(3, 3)
		m = &Challenge{AuthMethod: p.str(1, "AuthMethod"), Extra: p.dict(2, "Extra", nil)}
	case TypeAuthenticate:
		p.length(3, 3)
		m = &Authenticate{Signature: p.str(1, "Signature"), Extra: p.dict(2, "Extra", nil)}
	case TypeGoodbye:
		p.length(3, 3)
		m = &Goodbye{Details: p.dict(1, "Details", closeRules), Reason: p.uri(2, "Reason", MatchExact)}
	case TypeError:
		p.length(5, 7)
		x := &Error{}
		rt, ok := p.w.Elems[1].asInt64()
		if !ok || !errorRequestType(MessageType(rt)) {
			p.fail("REQUEST.Type: not a request message type: %v", p.w.Elems[1].Value())
		}
		x.RequestType = MessageType(rt)
		x.Request = p.id(2, "Request")
		x.Details = p.dict(3, "Details", payloadRules)
		x.Error = p.uri(4, "Error", MatchExact)
		x.Args, x.Kwargs, x.Payload = p.args(5, x.Details)
		m = x
	case TypePublish:
		p.length(4, 6)
		x := &Publish{Request: p.id(1, "Request")}
		x.Options = p.dict(2, "Options", publishRules)
		x.Topic = p.uri(3, "Topic", MatchExact)
		x.Args, x.Kwargs, x.Payload = p.args(4, x.Options)
		m = x
	case TypePublished:
		p.length(3, 3)
		m = &Published{Request: p.id(1, "Request"), Publication: p.id(2, "Publication")}
	case TypeSubscribe:
		p.length(4, 4)
		x := &Subscribe{Request: p.id(1, "Request")}
		x.Options = p.dict(2, "Options", subscribeRules)
		x.Topic = p.uri(3, "Topic", matchOf(x.Options))
		m = x
	case TypeSubscribed:
		p.length(3, 3)
		m = &Subscribed{Request: p.id(1, "Request"), Subscription: p.id(2, "Subscription")}
	case TypeUnsubscribe:
		p.length(3, 3)
		m = &Unsubscribe{Request: p.id(1, "Request"), Subscription: p.id(2, "Subscription")}
	case TypeUnsubscribed:
		p.length(2, 3)
		x := &Unsubscribed{}
		x.Request, x.Details = p.revoked()
		m = x
	case TypeEvent:
		p.length(4, 6)
		x := &Event{Subscription: p.id(1, "Subscription"), Publication: p.id(2, "Publication")}
		x.Details = p.dict(3, "Details", eventRules)
		x.Args, x.Kwargs, x.Payload = p.args(4, x.Details)
		m = x
	case TypeCall:
		p.length(4, 6)
		x := &Call{Request: p.id(1, "Request")}
		x.Options = p.dict(2, "Options", callRules)
		x.Procedure = p.uri(3, "Procedure", MatchExact)
		x.Args, x.Kwargs, x.Payload = p.args(4, x.Options)
		m = x
	case TypeCancel:
		p.length(3, 3)
		m = &Cancel{Request: p.id(1, "Request"), Options: p.dict(2, "Options", cancelRules)}
	case TypeResult:
		p.length(3, 5)
		x := &Result{Request: p.id(1, "Request")}
		x.Details = p.dict(2, "Details", resultRules)
		x.Args, x.Kwargs, x.Payload = p.args(3, x.Details)
		m = x
	case TypeRegister:
		p.length(4, 4)
		x := &Register{Request: p.id(1, "Request")}
		x.Options = p.dict(2, "Options", registerRules)
		x.Procedure = p.uri(3, "Procedure", matchOf(x.Options))
		m = x
	case TypeRegistered:
		p.length(3, 3)
		m = &Registered{Request: p.id(1, "Request"), Registration: p.id(2, "Registration")}
	case TypeUnregister:
		p.length(3, 3)
		m = &Unregister{Request: p.id(1, "Request"), Registration: p.id(2, "Registration")}
	case TypeUnregistered:
		p.length(2, 3)
		x := &Unregistered{}
		x.Request, x.Details = p.revoked()
		m = x
	case TypeInvocation:
		p.length(4, 6)
		x := &Invocation{Request: p.id(1, "Request"), Registration: p.id(2, "Registration")}
		x.Details = p.dict(3, "Details", invocationRules)
		x.Args, x.Kwargs, x.Payload = p.args(4, x.Details)
		m = x
	case TypeInterrupt:
		p.length(3, 3)
		m = &Interrupt{Request: p.id(1, "Request"), Options: p.dict(2, "Options", interruptRules)}
	case TypeYield:
		p.length(3, 5)
		x := &Yield{Request: p.id(1, "Request")}
		x.Options = p.dict(2, "Options", yieldRules)
		x.Args, x.Kwargs, x.Payload = p.args(3, x.Options)
		m = x
	default:
		return nil, violation("unknown message type %d", code)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func errorRequestType(t MessageType) bool {
	switch t {
	case TypeSubscribe, TypeUnsubscribe, TypePublish, TypeRegister, TypeUnregister, TypeCall, TypeInvocation, TypeCancel:
		return true
	}
	return false
}

func matchOf(opts Dict) string {
	if s, ok := opts["match"].(string); ok {
		return s
	}
	return MatchExact
}

// parser keeps the first error so that fromWire reads straight through.
type parser struct {
	w      *Wire
	t      MessageType
	strict bool
	err    *error
}

func (p *parser) fail(format string, args ...any) {
	if *p.err == nil {
		*p.err = violation(p.t.String()+"."+format, args...)
	}
}

// length checks the element count. Elements past the end read as zero
// Elems (null), so the field readers below need no bounds checks.
func (p *parser) length(lo, hi int) {
	if n := p.w.Len; (n < lo || n > hi) && *p.err == nil {
		if lo == hi {
			*p.err = violation("%s: want %d elements, got %d", p.t, lo, n)
		} else {
			*p.err = violation("%s: want %d to %d elements, got %d", p.t, lo, hi, n)
		}
	}
}

// elem returns element i, or a null one past the end of a short list.
func (p *parser) elem(i int) *Elem {
	if i >= p.w.Len {
		return &nullElem
	}
	return &p.w.Elems[i]
}

var nullElem Elem

func (e *Elem) asInt64() (int64, bool) {
	switch e.Kind {
	case KindInt:
		return e.Int, true
	case KindUint:
		return int64(e.Uint), e.Uint <= 1<<63-1
	case KindValue:
		return AsInt64(e.Val)
	}
	return 0, false
}

func (e *Elem) asID() (ID, bool) {
	switch e.Kind {
	case KindInt:
		return ID(e.Int), e.Int >= 0 && e.Int <= int64(MaxID)
	case KindUint:
		return ID(e.Uint), e.Uint <= uint64(MaxID)
	case KindValue:
		return AsID(e.Val)
	}
	return 0, false
}

func (p *parser) id(i int, field string) ID {
	e := p.elem(i)
	id, ok := e.asID()
	if !ok || id == 0 {
		p.fail("%s: want an ID in 1..2^53, got %s", field, describe(e.Value()))
		return 0
	}
	return id
}

func (p *parser) idOrZero(i int, field string) ID {
	e := p.elem(i)
	id, ok := e.asID()
	if !ok {
		p.fail("%s: want an ID in 0..2^53, got %s", field, describe(e.Value()))
		return 0
	}
	return id
}

// revoked reads UNSUBSCRIBED and UNREGISTERED: [TYPE, Request|id] or, when
// the router revokes, [TYPE, 0, Details|dict].
func (p *parser) revoked() (ID, Dict) {
	if p.w.Len == 3 {
		return p.idOrZero(1, "Request"), p.dict(2, "Details", revokeRules)
	}
	return p.id(1, "Request"), nil
}

func (p *parser) str(i int, field string) string {
	e := p.elem(i)
	if e.Kind != KindString {
		p.fail("%s: want a string, got %s", field, kindOf(e.Value()))
	}
	return e.Str
}

func (p *parser) uri(i int, field, match string) URI {
	e := p.elem(i)
	if e.Kind != KindString {
		p.fail("%s: want a URI string, got %s", field, kindOf(e.Value()))
		return ""
	}
	if !ValidURI(URI(e.Str), p.strict, match) {
		p.fail("%s: invalid URI %q", field, e.Str)
	}
	return URI(e.Str)
}

func (p *parser) dict(i int, field string, rules []rule) Dict {
	e := p.elem(i)
	if e.Kind != KindDict {
		p.fail("%s: want a dict, got %s", field, kindOf(e.Value()))
		return nil
	}
	if *p.err == nil {
		if err := checkRules(e.Dict, rules); err != "" {
			p.fail("%s.%s", field, err)
		}
	}
	return e.Dict
}

// roles checks that d["roles"] is a non-empty dict whose keys are all in
// known and whose values are dicts (WAMP spec, HELLO and WELCOME).
func (p *parser) roles(field string, d Dict, known ...string) {
	if *p.err != nil {
		return
	}
	r, ok := d["roles"].(map[string]any)
	if !ok || len(r) == 0 {
		p.fail("%s: want a non-empty dict of roles", field)
		return
	}
	for name, v := range r {
		found := false
		for _, k := range known {
			found = found || k == name
		}
		if _, isDict := v.(map[string]any); !found || !isDict {
			p.fail("%s: unknown role %q or its features are not a dict", field, name)
			return
		}
	}
}

// args reads the optional Arguments, ArgumentsKw or the passthru payload
// starting at index i.
func (p *parser) args(i int, opts Dict) (List, Dict, []byte) {
	if p.w.Len <= i {
		return nil, nil, nil
	}
	e := p.elem(i)
	switch {
	case e.Kind == KindBytes:
		if p.w.Len > i+1 {
			p.fail("Payload: passthru payload cannot be followed by ArgumentsKw")
		}
		return nil, nil, e.Bytes
	case e.Kind == KindString:
		// Autobahn accepts a payload that its serializer gave back as text.
		if p.w.Len > i+1 {
			p.fail("Payload: passthru payload cannot be followed by ArgumentsKw")
		}
		if _, ok := opts["enc_algo"]; !ok {
			p.fail("Arguments: want a list, got string")
		}
		return nil, nil, []byte(e.Str)
	case e.Kind == KindList, e.Kind == KindValue && e.Val == nil:
		if p.w.Len == i+1 {
			return e.List, nil, nil
		}
		k := p.elem(i + 1)
		if k.Kind != KindDict && (k.Kind != KindValue || k.Val != nil) {
			p.fail("ArgumentsKw: want a dict, got %s", kindOf(k.Value()))
		}
		return e.List, k.Dict, nil
	default:
		p.fail("Arguments: want a list, got %s", kindOf(e.Value()))
		return nil, nil, nil
	}
}
