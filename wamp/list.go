package wamp

// ToList returns the wire list of m. It does not validate m. Nil Dict and
// List fields stay nil; serializers write them as empty containers.
func ToList(m Message) List {
	switch m := m.(type) {
	case *Hello:
		return List{int64(TypeHello), string(m.Realm), m.Details}
	case *Welcome:
		return List{int64(TypeWelcome), uint64(m.Session), m.Details}
	case *Abort:
		return List{int64(TypeAbort), m.Details, string(m.Reason)}
	case *Challenge:
		return List{int64(TypeChallenge), m.AuthMethod, m.Extra}
	case *Authenticate:
		return List{int64(TypeAuthenticate), m.Signature, m.Extra}
	case *Goodbye:
		return List{int64(TypeGoodbye), m.Details, string(m.Reason)}
	case *Error:
		return appendArgs(List{int64(TypeError), int64(m.RequestType), uint64(m.Request), m.Details, string(m.Error)}, m.Args, m.Kwargs, m.Payload)
	case *Publish:
		return appendArgs(List{int64(TypePublish), uint64(m.Request), m.Options, string(m.Topic)}, m.Args, m.Kwargs, m.Payload)
	case *Published:
		return List{int64(TypePublished), uint64(m.Request), uint64(m.Publication)}
	case *Subscribe:
		return List{int64(TypeSubscribe), uint64(m.Request), m.Options, string(m.Topic)}
	case *Subscribed:
		return List{int64(TypeSubscribed), uint64(m.Request), uint64(m.Subscription)}
	case *Unsubscribe:
		return List{int64(TypeUnsubscribe), uint64(m.Request), uint64(m.Subscription)}
	case *Unsubscribed:
		if m.Details != nil {
			return List{int64(TypeUnsubscribed), uint64(m.Request), m.Details}
		}
		return List{int64(TypeUnsubscribed), uint64(m.Request)}
	case *Event:
		return appendArgs(List{int64(TypeEvent), uint64(m.Subscription), uint64(m.Publication), m.Details}, m.Args, m.Kwargs, m.Payload)
	case *Call:
		return appendArgs(List{int64(TypeCall), uint64(m.Request), m.Options, string(m.Procedure)}, m.Args, m.Kwargs, m.Payload)
	case *Cancel:
		return List{int64(TypeCancel), uint64(m.Request), m.Options}
	case *Result:
		return appendArgs(List{int64(TypeResult), uint64(m.Request), m.Details}, m.Args, m.Kwargs, m.Payload)
	case *Register:
		return List{int64(TypeRegister), uint64(m.Request), m.Options, string(m.Procedure)}
	case *Registered:
		return List{int64(TypeRegistered), uint64(m.Request), uint64(m.Registration)}
	case *Unregister:
		return List{int64(TypeUnregister), uint64(m.Request), uint64(m.Registration)}
	case *Unregistered:
		if m.Details != nil {
			return List{int64(TypeUnregistered), uint64(m.Request), m.Details}
		}
		return List{int64(TypeUnregistered), uint64(m.Request)}
	case *Invocation:
		return appendArgs(List{int64(TypeInvocation), uint64(m.Request), uint64(m.Registration), m.Details}, m.Args, m.Kwargs, m.Payload)
	case *Interrupt:
		return List{int64(TypeInterrupt), uint64(m.Request), m.Options}
	case *Yield:
		return appendArgs(List{int64(TypeYield), uint64(m.Request), m.Options}, m.Args, m.Kwargs, m.Payload)
	}
	return nil
}

// appendArgs follows Autobahn: the payload alone in passthru mode, else
// Arguments only when non-empty or when ArgumentsKw follows.
func appendArgs(l List, args List, kw Dict, payload []byte) List {
	if n := argsLen(args, kw, payload); cap(l)-len(l) < n {
		l = append(make(List, 0, len(l)+n), l...)
	}
	switch {
	case payload != nil:
		return append(l, payload)
	case len(kw) > 0:
		if args == nil {
			args = List{}
		}
		return append(l, args, kw)
	case len(args) > 0:
		return append(l, args)
	}
	return l
}

// FromList checks l and returns the message it holds, applying loose URI
// rules. Every error matches ErrProtocolViolation.
func FromList(l List) (Message, error) { return fromList(l, false) }

// FromListStrict is FromList with strict URI rules ([0-9a-z_] components).
func FromListStrict(l List) (Message, error) { return fromList(l, true) }

func fromList(l List, strict bool) (Message, error) {
	if len(l) == 0 {
		return nil, violation("empty message")
	}
	code, ok := AsInt64(l[0])
	if !ok {
		return nil, violation("message type must be an integer, got %s", kindOf(l[0]))
	}
	t := MessageType(code)
	p := parser{l: l, t: t, strict: strict}
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
		rt, ok := AsInt64(p.l[1])
		if !ok || !errorRequestType(MessageType(rt)) {
			p.fail("REQUEST.Type: not a request message type: %v", p.l[1])
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
		if len(l) == 3 {
			x.Request = p.idOrZero(1, "Request")
			x.Details = p.dict(2, "Details", revokeRules)
		} else {
			x.Request = p.id(1, "Request")
		}
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
		if len(l) == 3 {
			x.Request = p.idOrZero(1, "Request")
			x.Details = p.dict(2, "Details", revokeRules)
		} else {
			x.Request = p.id(1, "Request")
		}
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
	if p.err != nil {
		return nil, p.err
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

// parser keeps the first error so that fromList reads straight through.
type parser struct {
	l      List
	t      MessageType
	strict bool
	err    error
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = violation(p.t.String()+"."+format, args...)
	}
}

func (p *parser) length(lo, hi int) {
	if n := len(p.l); n < lo || n > hi {
		if p.err == nil {
			if lo == hi {
				p.err = violation("%s: want %d elements, got %d", p.t, lo, n)
			} else {
				p.err = violation("%s: want %d to %d elements, got %d", p.t, lo, hi, n)
			}
		}
		// Pad so that the field readers below stay in range.
		for len(p.l) < hi {
			p.l = append(p.l[:len(p.l):len(p.l)], nil)
		}
	}
}

func (p *parser) id(i int, field string) ID {
	id, ok := AsID(p.l[i])
	if !ok || id == 0 {
		p.fail("%s: want an ID in 1..2^53, got %s", field, describe(p.l[i]))
	}
	return id
}

func (p *parser) idOrZero(i int, field string) ID {
	id, ok := AsID(p.l[i])
	if !ok {
		p.fail("%s: want an ID in 0..2^53, got %s", field, describe(p.l[i]))
	}
	return id
}

func (p *parser) str(i int, field string) string {
	s, ok := p.l[i].(string)
	if !ok {
		p.fail("%s: want a string, got %s", field, kindOf(p.l[i]))
	}
	return s
}

func (p *parser) uri(i int, field, match string) URI {
	s, ok := p.l[i].(string)
	if !ok {
		p.fail("%s: want a URI string, got %s", field, kindOf(p.l[i]))
		return ""
	}
	if !ValidURI(URI(s), p.strict, match) {
		p.fail("%s: invalid URI %q", field, s)
	}
	return URI(s)
}

func (p *parser) dict(i int, field string, rules []rule) Dict {
	d, ok := p.l[i].(map[string]any)
	if !ok {
		p.fail("%s: want a dict, got %s", field, kindOf(p.l[i]))
		return nil
	}
	if p.err == nil {
		if err := checkRules(d, rules); err != "" {
			p.fail("%s.%s", field, err)
		}
	}
	return d
}

// roles checks that d["roles"] is a non-empty dict whose keys are all in
// known and whose values are dicts (WAMP spec, HELLO and WELCOME).
func (p *parser) roles(field string, d Dict, known ...string) {
	if p.err != nil {
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
	if len(p.l) <= i {
		return nil, nil, nil
	}
	switch a := p.l[i].(type) {
	case []byte:
		if len(p.l) > i+1 {
			p.fail("Payload: passthru payload cannot be followed by ArgumentsKw")
		}
		return nil, nil, a
	case string:
		// Autobahn accepts a payload that its serializer gave back as text.
		if len(p.l) > i+1 {
			p.fail("Payload: passthru payload cannot be followed by ArgumentsKw")
		}
		if _, ok := opts["enc_algo"]; !ok {
			p.fail("Arguments: want a list, got string")
		}
		return nil, nil, []byte(a)
	case []any:
		if len(p.l) == i+1 {
			return a, nil, nil
		}
		kw, ok := p.l[i+1].(map[string]any)
		if !ok && p.l[i+1] != nil {
			p.fail("ArgumentsKw: want a dict, got %s", kindOf(p.l[i+1]))
		}
		return a, kw, nil
	case nil:
		if len(p.l) == i+1 {
			return nil, nil, nil
		}
		kw, ok := p.l[i+1].(map[string]any)
		if !ok && p.l[i+1] != nil {
			p.fail("ArgumentsKw: want a dict, got %s", kindOf(p.l[i+1]))
		}
		return nil, kw, nil
	default:
		p.fail("Arguments: want a list, got %s", kindOf(a))
		return nil, nil, nil
	}
}
