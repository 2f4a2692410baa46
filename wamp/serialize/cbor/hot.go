package cbor

import (
	"unsafe"

	"github.com/autobahn-go/autobahn/wamp"
)

// The hot path: CALL, RESULT, PUBLISH, EVENT, INVOCATION and YIELD with
// empty Options/Details and no passthru payload, the bulk of a session's
// traffic (as in the FlatBuffers serializer's hot.go). They are read
// straight into the message struct, which is allocated together with a
// short Args list and a slab for the message's short strings: one
// allocation instead of one each for the message, its empty Options or
// Details dict, its Args, its URI and each string argument's bytes.
//
// An empty Options or Details dict decodes as nil here (the FlatBuffers
// serializer does the same; the wire form of nil is the empty dict). Read
// it freely; a caller that adds keys makes a dict of its own first, as
// the router does for every message it forwards.
//
// The hot reader takes a message only when everything the general path
// (Wire, FromWire) would check holds: a definite-length list of a length
// the type allows, IDs in 1..MaxID, the empty dict, a valid URI, a list
// of Arguments, a dict of ArgumentsKw, nothing after them. Anything else,
// valid or not, goes to the general path, which decides and reports the
// error; FuzzHotMatchesGeneral checks that both give equal messages and
// accept the same inputs.

// A hot message with at most bigArgs arguments is allocated together
// with them and a slab for its strings; when they are few and short, in
// a smaller box (the bytes allocated, not only the allocations, set the
// garbage collector's pace). The slab comes last, after every pointer, so
// the garbage collector does not scan it.
const (
	smallArgs, smallSlab = 2, 32
	bigArgs, bigSlab     = 4, 64
)

type smallBox[M any] struct {
	m    M
	args [smallArgs]any
	slab [smallSlab]byte
}

type bigBox[M any] struct {
	m    M
	args [bigArgs]any
	slab [bigSlab]byte
}

// hotBuf is the room a box has beside its message.
type hotBuf struct {
	args []any // exactly the message's arguments
	slab []byte
}

// newHot returns a new M, boxed when its nargs arguments (-1: none) fit a
// box; rest bounds the bytes of the message's strings (the input left).
func newHot[M any](nargs, rest int) (*M, hotBuf) {
	n := max(nargs, 0)
	switch {
	case nargs > bigArgs:
		return new(M), hotBuf{}
	case nargs <= smallArgs && rest <= smallSlab:
		x := new(smallBox[M])
		return &x.m, hotBuf{x.args[:n:n], x.slab[:0]}
	}
	x := new(bigBox[M])
	return &x.m, hotBuf{x.args[:n:n], x.slab[:0]}
}

// hotLen gives, for a hot message type, the index of the element after
// its fixed part (where Arguments would be) and the element after its
// IDs (0: none). Other types have args 0.
var hotLen = func() [256]struct{ args, ids uint8 } {
	var t [256]struct{ args, ids uint8 }
	t[wamp.TypeCall] = struct{ args, ids uint8 }{4, 2}
	t[wamp.TypePublish] = struct{ args, ids uint8 }{4, 2}
	t[wamp.TypeEvent] = struct{ args, ids uint8 }{4, 3}
	t[wamp.TypeInvocation] = struct{ args, ids uint8 }{4, 3}
	t[wamp.TypeResult] = struct{ args, ids uint8 }{3, 2}
	t[wamp.TypeYield] = struct{ args, ids uint8 }{3, 2}
	return t
}()

// unmarshalHot decodes b if it is a hot message; ok false leaves it to
// the general path.
func unmarshalHot(b []byte) (m wamp.Message, ok bool) {
	// [TYPE, ...]: a definite length under 24, the type code an unsigned
	// integer.
	if len(b) < 2 || b[0]&0xe0 != majorArray || b[0]&0x1f >= 24 || b[1]&0xe0 != majorUint {
		return nil, false
	}
	d := decoder{b: b, i: 1}
	code, _, err := d.head()
	if err != nil || code > 0xff {
		return nil, false
	}
	n, t := int(b[0]&0x1f), wamp.MessageType(code)
	shape := hotLen[code]
	fixed := int(shape.args)
	if fixed == 0 || n < fixed || n > fixed+2 {
		return nil, false
	}
	var ids [2]wamp.ID
	for k := range int(shape.ids) - 1 {
		if ids[k], ok = d.hotID(); !ok {
			return nil, false
		}
	}
	if d.i >= len(b) || b[d.i] != majorMap { // the empty dict, definite
		return nil, false
	}
	d.i++
	var uri []byte
	rest := len(b) - d.i
	if fixed == 4 && shape.ids == 2 { // CALL, PUBLISH: the URI
		if d.i >= len(b) || b[d.i]&0xe0 != majorText {
			return nil, false
		}
		p, fresh, err := d.str(majorText) // valid UTF-8
		// ValidURI reads the input in place (it keeps nothing), before the
		// URI is copied.
		if err != nil || fresh || len(p) == 0 ||
			!wamp.ValidURI(wamp.URI(unsafe.String(&p[0], len(p))), false, wamp.MatchExact) {
			return nil, false
		}
		uri = p
	}
	// Arguments: a definite list; its length decides the box.
	nargs := -1
	if n > fixed {
		if d.i >= len(b) || b[d.i]&0xe0 != majorArray || b[d.i]&0x1f > 27 {
			return nil, false
		}
		save := d.i
		c, _, err := d.head()
		if err != nil {
			return nil, false
		}
		d.i = save
		nargs = int(min(c, bigArgs+1))
	}
	switch t {
	case wamp.TypeCall:
		x, buf := newHot[wamp.Call](nargs, rest)
		d.slab, m = buf.slab, x
		x.Request, x.Procedure = ids[0], wamp.URI(d.slabString(uri))
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	case wamp.TypePublish:
		x, buf := newHot[wamp.Publish](nargs, rest)
		d.slab, m = buf.slab, x
		x.Request, x.Topic = ids[0], wamp.URI(d.slabString(uri))
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	case wamp.TypeEvent:
		x, buf := newHot[wamp.Event](nargs, rest)
		d.slab, m = buf.slab, x
		x.Subscription, x.Publication = ids[0], ids[1]
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	case wamp.TypeInvocation:
		x, buf := newHot[wamp.Invocation](nargs, rest)
		d.slab, m = buf.slab, x
		x.Request, x.Registration = ids[0], ids[1]
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	case wamp.TypeResult:
		x, buf := newHot[wamp.Result](nargs, rest)
		d.slab, m = buf.slab, x
		x.Request = ids[0]
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	case wamp.TypeYield:
		x, buf := newHot[wamp.Yield](nargs, rest)
		d.slab, m = buf.slab, x
		x.Request = ids[0]
		x.Args, x.Kwargs, ok = d.hotArgs(n > fixed, n > fixed+1, buf)
	default:
		return nil, false
	}
	if !ok || d.i != len(b) {
		return nil, false
	}
	return m, true
}

// hotID reads an unsigned integer in 1..MaxID.
func (d *decoder) hotID() (wamp.ID, bool) {
	if d.i >= len(d.b) || d.b[d.i]&0xe0 != majorUint {
		return 0, false
	}
	v, _, err := d.head()
	if err != nil || v == 0 || v > uint64(wamp.MaxID) {
		return 0, false
	}
	return wamp.ID(v), true
}

// hotArgs reads Arguments (a list, into buf when buf has room for
// exactly its elements) if hasArgs, and ArgumentsKw (a dict) if hasKw.
func (d *decoder) hotArgs(hasArgs, hasKw bool, buf hotBuf) (wamp.List, wamp.Dict, bool) {
	if !hasArgs {
		return nil, nil, true
	}
	n, _, err := d.head() // a definite list (unmarshalHot checked)
	if err != nil || n > uint64(len(d.b)-d.i) || n > maxElems {
		return nil, nil, false
	}
	args := buf.args
	if uint64(len(args)) != n {
		args, buf = make([]any, n), hotBuf{slab: buf.slab}
	}
	for i := range args {
		if args[i], err = d.value(3); err != nil {
			return nil, nil, false
		}
	}
	if !hasKw {
		return args, nil, true
	}
	if d.i >= len(d.b) || d.b[d.i]&0xe0 != majorMap {
		return nil, nil, false
	}
	kw, err := d.dict(2)
	if err != nil {
		return nil, nil, false
	}
	return args, kw, true
}

// slabString returns p as a string in d's slab when it has room, else as
// a fresh copy; p has been checked for UTF-8 where that matters.
func (d *decoder) slabString(p []byte) string {
	if len(p) < 2 || len(p) > cap(d.slab)-len(d.slab) {
		return string(p) // one byte costs nothing; others get their own copy
	}
	start := len(d.slab)
	d.slab = append(d.slab, p...)
	// The slab's bytes are never written again: the string is immutable.
	return unsafe.String(&d.slab[start], len(p))
}
