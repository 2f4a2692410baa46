package flatbuffers

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// The hot path: CALL, RESULT, PUBLISH, EVENT, INVOCATION and YIELD with
// empty Options/Details and no passthru payload, the bulk of a session's
// traffic. Their tables hold one or two IDs (slots 0 and 1) or an ID and a
// URI (slots 0 and 1), and args and kwargs in two adjacent slots, so they
// are written and read from and into the message struct directly, without
// the wamp.Wire list, the per-field layout loop or boxing.
//
// The writer produces the bytes writeDirect produces for the same message
// (TestHotMatchesGeneral checks). The reader takes a table only when every
// other slot is absent and every value is valid (IDs in 1..MaxID, a valid
// URI, a CBOR list and dict that fill their vectors); anything else goes
// to the general reader, which decides and reports the error, so both
// accept the same inputs and give the same messages (FuzzHotMatchesGeneral).

// What slot 1 of a hot table holds.
const (
	hotNone = iota // slot 1 is not an ID or URI (RESULT, YIELD: payload)
	hotID          // a second ID (EVENT.Publication, INVOCATION.Registration)
	hotURI         // the procedure or topic
)

// hotShape is a hot message type's table: what slot 1 holds and the slot
// of args (kwargs follows it).
type hotShape struct {
	second   uint8
	argsSlot uint8
}

// hotShapes is indexed by message type code; argsSlot 0 marks a type
// without a hot path.
var hotShapes = func() [256]hotShape {
	var s [256]hotShape
	for _, t := range []wamp.MessageType{wamp.TypeCall, wamp.TypeResult, wamp.TypePublish,
		wamp.TypeEvent, wamp.TypeInvocation, wamp.TypeYield} {
		l := layouts[t]
		h := hotShape{argsSlot: uint8(l.args)}
		for _, f := range l.fields {
			if f.slot == 1 && f.pos > 0 {
				h.second = hotID
				if f.kind == kStr {
					h.second = hotURI
				}
			}
		}
		s[t] = h
	}
	return s
}()

// appendHot writes m if it is a hot message; ok false leaves it to the
// general writers.
func appendHot(dst []byte, m wamp.Message) (out []byte, ok bool, err error) {
	var (
		t        wamp.MessageType
		id0, id1 uint64
		uri      string
		args     wamp.List
		kwargs   wamp.Dict
		plain    bool // empty Options/Details, no passthru payload
	)
	switch x := m.(type) {
	case *wamp.Call:
		t, id0, uri, args, kwargs = wamp.TypeCall, uint64(x.Request), string(x.Procedure), x.Args, x.Kwargs
		plain = len(x.Options) == 0 && x.Payload == nil
	case *wamp.Result:
		t, id0, args, kwargs = wamp.TypeResult, uint64(x.Request), x.Args, x.Kwargs
		plain = len(x.Details) == 0 && x.Payload == nil
	case *wamp.Publish:
		t, id0, uri, args, kwargs = wamp.TypePublish, uint64(x.Request), string(x.Topic), x.Args, x.Kwargs
		plain = len(x.Options) == 0 && x.Payload == nil
	case *wamp.Event:
		t, id0, id1, args, kwargs = wamp.TypeEvent, uint64(x.Subscription), uint64(x.Publication), x.Args, x.Kwargs
		plain = len(x.Details) == 0 && x.Payload == nil
	case *wamp.Invocation:
		t, id0, id1, args, kwargs = wamp.TypeInvocation, uint64(x.Request), uint64(x.Registration), x.Args, x.Kwargs
		plain = len(x.Details) == 0 && x.Payload == nil
	case *wamp.Yield:
		t, id0, args, kwargs = wamp.TypeYield, uint64(x.Request), x.Args, x.Kwargs
		plain = len(x.Options) == 0 && x.Payload == nil
	default:
		return dst, false, nil
	}
	if !plain || !utf8.ValidString(uri) { // the general writer reports a bad URI
		return dst, false, nil
	}
	out, err = writeHot(dst, t, hotShapes[t], id0, id1, uri, args, kwargs)
	return out, true, err
}

// writeHot appends a hot table: id0 in slot 0, id1 or uri in slot 1 (as
// h says), args and kwargs in their slots when non-empty. A zero ID is
// the schema default and is omitted, as writeDirect does. The layout is
// writeDirect's: root offset, Message vtable and table, the message's
// vtable, its table (soffset, 8-byte IDs on 8, references), then the
// string and the two CBOR vectors, each on 4.
func writeHot(dst []byte, t wamp.MessageType, h hotShape, id0, id1 uint64, uri string, args wamp.List, kwargs wamp.Dict) ([]byte, error) {
	le := binary.LittleEndian
	base := len(dst)
	b := append(dst, 12, 0, 0, 0, 8, 0, 12, 0, 8, 0, 4, 0, 8, 0, 0, 0, 0, 0, 0, 0, byte(t), 0, 0, 0)
	const vt, msgRef = 24, 16
	hasURI, hasArgs, hasKw := h.second == hotURI, len(args) > 0, len(kwargs) > 0
	if h.second != hotID {
		id1 = 0
	}
	n8, nref, maxSlot := 0, 0, -1
	if id0 != 0 {
		n8, maxSlot = 1, 0
	}
	if id1 != 0 {
		n8, maxSlot = n8+1, 1
	}
	if hasURI {
		nref, maxSlot = 1, 1
	}
	if hasArgs {
		nref, maxSlot = nref+1, int(h.argsSlot)
	}
	if hasKw {
		nref, maxSlot = nref+1, int(h.argsSlot)+1
	}
	vtLen := 4 + 2*(maxSlot+1)
	tpos := (vt + vtLen + 3) &^ 3
	if n8 > 0 && tpos%8 != 4 {
		tpos += 4
	}
	tLen := 4 + 8*n8 + 4*nref
	b = append(b, make([]byte, tpos+tLen-vt)...)
	m := b[base:]
	le.PutUint32(m[msgRef:], uint32(tpos-msgRef))
	le.PutUint16(m[vt:], uint16(vtLen))
	le.PutUint16(m[vt+2:], uint16(tLen))
	le.PutUint32(m[tpos:], uint32(tpos-vt))
	p := tpos + 4
	field := func(slot int) int { // the field's position, entered in the vtable
		le.PutUint16(m[vt+4+2*slot:], uint16(p-tpos))
		return p
	}
	if id0 != 0 {
		le.PutUint64(m[field(0):], id0)
		p += 8
	}
	if id1 != 0 {
		le.PutUint64(m[field(1):], id1)
		p += 8
	}
	var refURI, refArgs, refKw int
	if hasURI {
		refURI = field(1)
		p += 4
	}
	if hasArgs {
		refArgs = field(int(h.argsSlot))
		p += 4
	}
	if hasKw {
		refKw = field(int(h.argsSlot) + 1)
	}
	// object starts the next object on 4 and points ref at it.
	object := func(ref int) {
		b = append(b, make([]byte, (4-(len(b)-base)%4)%4)...)
		le.PutUint32(b[base+ref:], uint32(len(b)-base-ref))
	}
	if hasURI {
		object(refURI)
		b = le.AppendUint32(b, uint32(len(uri)))
		b = append(append(b, uri...), 0)
	}
	var err error
	if hasArgs {
		object(refArgs)
		b = append(b, 0, 0, 0, 0)
		start := len(b)
		if b, err = cbor.AppendList(b, args); err != nil {
			return dst[:base], err
		}
		le.PutUint32(b[start-4:], uint32(len(b)-start))
	}
	if hasKw {
		object(refKw)
		b = append(b, 0, 0, 0, 0)
		start := len(b)
		if b, err = appendKwargs(b, kwargs); err != nil {
			return dst[:base], err
		}
		le.PutUint32(b[start-4:], uint32(len(b)-start))
	}
	return b, nil
}

// hot reads table t of layout l if it is a hot message that holds only
// valid IDs, URI, args and kwargs; ok false leaves it to the general
// reader (r.st is then as it was).
func (r *reader) hot(l *layout, t table) (wamp.Message, bool) {
	h := hotShapes[l.t]
	if h.argsSlot == 0 {
		return nil, false
	}
	argsSlot := int(h.argsSlot)
	first := 1 // the first slot that must be absent
	if h.second != hotNone {
		first = 2
	}
	for s := first; s < l.nfields && 4+2*s < t.vtLen; s++ {
		if s != argsSlot && s != argsSlot+1 && r.u16(t.vt+4+2*s) != 0 {
			return nil, false // Options/Details or a payload: the general reader
		}
	}
	id0, ok := r.id(t, 0)
	if !ok {
		return nil, false
	}
	var id1 wamp.ID
	var uriBytes []byte
	switch h.second {
	case hotID:
		if id1, ok = r.id(t, 1); !ok {
			return nil, false
		}
	case hotURI:
		start, n, present, err := r.vector(t, 1, 1)
		if !present || err != nil || !terminated(r.b, start+n) {
			return nil, false
		}
		// ValidURI also rejects what is not UTF-8; it reads the input
		// in place, before anything is copied.
		uriBytes = r.b[start : start+n]
		if !wamp.ValidURI(wamp.URI(bytesStr(uriBytes)), false, wamp.MatchExact) {
			return nil, false
		}
	}
	a, hasArgs, err := r.bytes(t, argsSlot)
	if err != nil {
		return nil, false
	}
	k, hasKw, err := r.bytes(t, argsSlot+1)
	if err != nil {
		return nil, false
	}
	// The message's strings come from the URI and the two vectors: the
	// slab needs no more room than they take.
	saved := r.st
	r.st.size = min(r.st.size, len(uriBytes)+len(a)+len(k))
	// A short args list (its count in the CBOR initial byte) and short
	// strings share the message's allocation (hotBox).
	nargs := 0
	if hasArgs && len(a) > 0 && a[0]&0xe0 == majorArray && a[0]&0x1f <= boxArgs {
		nargs = int(a[0] & 0x1f)
	}
	box := nargs > 0 && r.st.size <= boxSlab
	var m wamp.Message
	var buf []any
	switch l.t {
	case wamp.TypeCall:
		x, b := newHot[wamp.Call](box, nargs, &r.st)
		m, buf = x, b
	case wamp.TypeResult:
		x, b := newHot[wamp.Result](box, nargs, &r.st)
		m, buf = x, b
	case wamp.TypePublish:
		x, b := newHot[wamp.Publish](box, nargs, &r.st)
		m, buf = x, b
	case wamp.TypeEvent:
		x, b := newHot[wamp.Event](box, nargs, &r.st)
		m, buf = x, b
	case wamp.TypeInvocation:
		x, b := newHot[wamp.Invocation](box, nargs, &r.st)
		m, buf = x, b
	case wamp.TypeYield:
		x, b := newHot[wamp.Yield](box, nargs, &r.st)
		m, buf = x, b
	default:
		return nil, false
	}
	uri := r.st.str(uriBytes)
	args, kwargs, ok := r.hotArgs(a, hasArgs, k, hasKw, buf)
	if !ok {
		r.st = saved
		return nil, false
	}
	switch x := m.(type) {
	case *wamp.Call:
		x.Request, x.Procedure, x.Args, x.Kwargs = id0, wamp.URI(uri), args, kwargs
	case *wamp.Result:
		x.Request, x.Args, x.Kwargs = id0, args, kwargs
	case *wamp.Publish:
		x.Request, x.Topic, x.Args, x.Kwargs = id0, wamp.URI(uri), args, kwargs
	case *wamp.Event:
		x.Subscription, x.Publication, x.Args, x.Kwargs = id0, id1, args, kwargs
	case *wamp.Invocation:
		x.Request, x.Registration, x.Args, x.Kwargs = id0, id1, args, kwargs
	case *wamp.Yield:
		x.Request, x.Args, x.Kwargs = id0, args, kwargs
	}
	return m, true
}

// A hot message with at most boxArgs arguments and boxSlab bytes of
// strings is allocated together with them: one allocation instead of
// three (the message, its args list, its string slab). The slab comes
// last, after every pointer, so the garbage collector does not scan it.
const (
	boxArgs = 4
	boxSlab = 64
)

type hotBox[M any] struct {
	m    M
	args [boxArgs]any
	slab [boxSlab]byte
}

// newHot returns a new M, and when box is set, room for nargs arguments
// beside it and st's slab in it.
func newHot[M any](box bool, nargs int, st *valueSlab) (*M, []any) {
	if !box {
		return new(M), nil
	}
	x := new(hotBox[M])
	st.b = x.slab[:0:st.size]
	return &x.m, x.args[:nargs:nargs]
}

// id reads the ID in slot: present, in 1..MaxID.
func (r *reader) id(t table, slot int) (wamp.ID, bool) {
	p, ok, err := r.scalar(t, slot, 8)
	if !ok || err != nil {
		return 0, false
	}
	id := wamp.ID(binary.LittleEndian.Uint64(r.b[p:]))
	return id, id != 0 && id <= wamp.MaxID
}

// hotArgs decodes args and kwargs (a and k, when present) straight into
// a list (in buf if it has room for exactly the elements) and a dict (no
// interface box around them). As the general
// reader: absent args with kwargs present read as an empty list.
func (r *reader) hotArgs(a []byte, hasArgs bool, k []byte, hasKw bool, buf []any) (wamp.List, wamp.Dict, bool) {
	var args wamp.List
	var kwargs wamp.Dict
	var err error
	if hasArgs || hasKw {
		args = wamp.List{}
	}
	if hasArgs {
		if len(a) == 0 || a[0]&0xe0 != majorArray {
			return nil, nil, false
		}
		d := cborDecoder{b: a, st: r.st}
		if args, err = d.listInto(1, buf); err != nil || d.i != len(a) {
			return nil, nil, false
		}
		r.st = d.st
	}
	if hasKw {
		if len(k) == 0 || k[0]&0xe0 != majorMap {
			return nil, nil, false
		}
		d := cborDecoder{b: k, st: r.st}
		if kwargs, err = d.dict(1); err != nil || d.i != len(k) {
			return nil, nil, false
		}
		r.st = d.st
	}
	return args, kwargs, true
}
