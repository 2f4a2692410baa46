package natsfabric

import (
	"errors"
	"math"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// The fabric's messages are CBOR arrays whose first element is their
// kind; payloads (Args, Kwargs, Payload, options and details) are carried
// as the router has them, in the value types of package wamp:
//
//	event:    [1, node, publication, publisher, authid, authrole, flags, trustlevel, options, args, kwargs, payload]
//	call:     [2, realm, registration, match, procedure, caller, authid, authrole, options, timeout_ms, args, kwargs, payload]
//	result:   [3, details, args, kwargs, payload]
//	error:    [4, error, details, args, kwargs, payload]
//	announce: [5, node, seq, bye, {realm: [[procedure, match, policy], ...]}]
//	sync:     [6, node]
//	progress: [16, seq, details, args, kwargs, payload]   (progress.go: a call's
//	cancel:   [17, mode]                                   progressive results,
//	part:     [18, progress, args, kwargs, payload]        CANCEL, further parts)
//
// An event's realm and topic are its subject's (subject.go); the
// JetStream streams of retained events and histories keep events in this
// form too (retain.go, history.go). Flags: 1
// disclose_me, 2 trust level set. A message that does not decode is
// dropped (an event, an announcement) or answered with ERROR (a call).
const (
	kindEvent    = 1
	kindCall     = 2
	kindResult   = 3
	kindError    = 4
	kindAnnounce = 5
	kindSync     = 6
)

const (
	flagDisclose = 1
	flagTrusted  = 2
)

var errMalformed = errors.New("natsfabric: malformed message")

// encode (encbuf.go) gives the CBOR encoding of a message.

func orNil[T any](v []T) any {
	if v == nil {
		return nil
	}
	return v
}

func dictOrNil(d wamp.Dict) any {
	if d == nil {
		return nil
	}
	return d
}

func encodeEvent(node string, p *router.FabricPublication) ([]byte, error) {
	flags := int64(0)
	if p.Disclose {
		flags |= flagDisclose
	}
	if p.Trusted {
		flags |= flagTrusted
	}
	return encode(wamp.List{int64(kindEvent), node, uint64(p.ID), uint64(p.Publisher), p.PublisherAuthID,
		p.PublisherAuthRole, flags, p.TrustLevel, dictOrNil(p.Options), orNil(p.Args), dictOrNil(p.Kwargs), orNil(p.Payload)})
}

func encodeCall(c *router.FabricCall) ([]byte, error) {
	return encode(wamp.List{int64(kindCall), string(c.Realm), string(c.Registration), c.Match, string(c.Procedure),
		uint64(c.Caller), c.CallerAuthID, c.CallerAuthRole, dictOrNil(c.Options), c.Timeout.Milliseconds(),
		orNil(c.Args), dictOrNil(c.Kwargs), orNil(c.Payload)})
}

func encodeAnswer(m wamp.Message) ([]byte, error) {
	switch m := m.(type) {
	case *wamp.Result:
		return encode(wamp.List{int64(kindResult), dictOrNil(m.Details), orNil(m.Args), dictOrNil(m.Kwargs), orNil(m.Payload)})
	case *wamp.Error:
		return encode(wamp.List{int64(kindError), string(m.Error), dictOrNil(m.Details), orNil(m.Args), dictOrNil(m.Kwargs), orNil(m.Payload)})
	}
	return nil, errors.New("natsfabric: not an answer: " + m.Type().String())
}

// announcement is one router's registrations, whole.
type announcement struct {
	node string
	seq  uint64
	bye  bool
	regs map[wamp.URI][]router.FabricRegistration
}

func encodeAnnounce(a *announcement) ([]byte, error) {
	realms := wamp.Dict{}
	for realm, regs := range a.regs {
		l := make(wamp.List, len(regs))
		for i, r := range regs {
			l[i] = wamp.List{string(r.Procedure), r.Match, r.Policy}
		}
		realms[string(realm)] = l
	}
	return encode(wamp.List{int64(kindAnnounce), a.node, a.seq, a.bye, realms})
}

func encodeSync(node string) ([]byte, error) { return encode(wamp.List{int64(kindSync), node}) }

// fields is a decoded message, read with type checks; the first failed
// check sticks in err.
type fields struct {
	l   wamp.List
	err error
}

func decode(b []byte, kind int64, n int) *fields {
	f, k := decodeAny(b)
	if f.err == nil && (k != kind || len(f.l) != n) {
		f.err = errMalformed
	}
	return f
}

// decodeAny decodes a message of any kind and returns its kind (0 with
// f.err set when it has none).
func decodeAny(b []byte) (f *fields, kind int64) {
	v, err := cbor.Decode(b)
	if err != nil {
		return &fields{err: err}, 0
	}
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return &fields{err: errMalformed}, 0
	}
	f = &fields{l: l}
	return f, f.int(0)
}

func (f *fields) fail() { f.err = errMalformed }

func (f *fields) int(i int) int64 {
	if f.err != nil {
		return 0
	}
	v, ok := wamp.AsInt64(f.l[i])
	if !ok {
		f.fail()
	}
	return v
}

func (f *fields) id(i int) wamp.ID {
	if f.err != nil {
		return 0
	}
	v, ok := wamp.AsID(f.l[i])
	if !ok || v == 0 {
		f.fail()
	}
	return v
}

func (f *fields) str(i int) string {
	if f.err != nil {
		return ""
	}
	v, ok := f.l[i].(string)
	if !ok {
		f.fail()
	}
	return v
}

func (f *fields) boolean(i int) bool {
	if f.err != nil {
		return false
	}
	v, ok := f.l[i].(bool)
	if !ok {
		f.fail()
	}
	return v
}

func (f *fields) dict(i int) wamp.Dict {
	if f.err != nil || f.l[i] == nil {
		return nil
	}
	v, ok := f.l[i].(map[string]any)
	if !ok {
		f.fail()
	}
	return v
}

func (f *fields) list(i int) wamp.List {
	if f.err != nil || f.l[i] == nil {
		return nil
	}
	v, ok := f.l[i].([]any)
	if !ok {
		f.fail()
	}
	return v
}

func (f *fields) bytes(i int) []byte {
	if f.err != nil || f.l[i] == nil {
		return nil
	}
	v, ok := f.l[i].([]byte)
	if !ok {
		f.fail()
	}
	return v
}

// decodeEvent decodes an event of realm and topic (its subject's); it
// returns the sending node.
func decodeEvent(b []byte, realm, topic wamp.URI) (string, *router.FabricPublication, error) {
	f := decode(b, kindEvent, 12)
	p := &router.FabricPublication{Realm: realm, Topic: topic}
	node := f.str(1)
	p.ID, p.Publisher = f.id(2), f.id(3)
	p.PublisherAuthID, p.PublisherAuthRole = f.str(4), f.str(5)
	flags := f.int(6)
	p.Disclose, p.Trusted = flags&flagDisclose != 0, flags&flagTrusted != 0
	p.TrustLevel = f.int(7)
	p.Options, p.Args, p.Kwargs, p.Payload = f.dict(8), f.list(9), f.dict(10), f.bytes(11)
	return node, p, f.err
}

func decodeCall(b []byte) (*router.FabricCall, error) {
	f := decode(b, kindCall, 13)
	c := &router.FabricCall{Realm: wamp.URI(f.str(1)), Registration: wamp.URI(f.str(2)), Match: f.str(3),
		Procedure: wamp.URI(f.str(4)), Caller: f.id(5), CallerAuthID: f.str(6), CallerAuthRole: f.str(7),
		Options: f.dict(8)}
	ms := f.int(9)
	if ms < 0 {
		f.fail()
	}
	// The router takes call timeouts of up to a century; one past what a
	// Duration holds is the longest there is.
	c.Timeout = time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond
	c.Args, c.Kwargs, c.Payload = f.list(10), f.dict(11), f.bytes(12)
	return c, f.err
}

// decodeAnswer returns the *wamp.Result or *wamp.Error of a call.
func decodeAnswer(b []byte) (wamp.Message, error) {
	f, kind := decodeAny(b) // decoded once, whichever its kind
	switch {
	case f.err != nil:
		return nil, f.err
	case kind == kindResult && len(f.l) == 5:
		m := &wamp.Result{Request: 1, Details: f.dict(1), Args: f.list(2), Kwargs: f.dict(3), Payload: f.bytes(4)}
		return m, f.err
	case kind == kindError && len(f.l) == 6:
		m := &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Error: wamp.URI(f.str(1)), Details: f.dict(2),
			Args: f.list(3), Kwargs: f.dict(4), Payload: f.bytes(5)}
		if f.err == nil && !wamp.ValidURI(m.Error, false, wamp.MatchExact) {
			f.fail()
		}
		return m, f.err
	}
	return nil, errMalformed
}

func decodeAnnounce(b []byte) (*announcement, error) {
	f := decode(b, kindAnnounce, 5)
	a := &announcement{node: f.str(1), bye: f.boolean(3), regs: map[wamp.URI][]router.FabricRegistration{}}
	if seq := f.int(2); seq > 0 {
		a.seq = uint64(seq)
	} else {
		f.fail()
	}
	for realm, v := range f.dict(4) {
		l, ok := v.([]any)
		if !ok {
			return nil, errMalformed
		}
		regs := make([]router.FabricRegistration, 0, len(l))
		for _, e := range l {
			r, ok := e.([]any)
			if !ok || len(r) != 3 {
				return nil, errMalformed
			}
			proc, ok1 := r[0].(string)
			match, ok2 := r[1].(string)
			policy, ok3 := r[2].(string)
			if !ok1 || !ok2 || !ok3 {
				return nil, errMalformed
			}
			regs = append(regs, router.FabricRegistration{Procedure: wamp.URI(proc), Match: match, Policy: policy})
		}
		a.regs[wamp.URI(realm)] = regs
	}
	return a, f.err
}

func decodeSync(b []byte) (string, error) {
	f := decode(b, kindSync, 2)
	return f.str(1), f.err
}
