package flatbuffers

import (
	"encoding/binary"
	"math"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
)

// Unmarshal decodes and validates one message. Every offset, vtable,
// vector and string is bounds-checked before it is read (the Go runtime
// has no verifier), so malformed input gives a *wamp.ProtocolError, never
// a panic; nothing is allocated in proportion to a length field before
// the bytes are known to be there. The table is read in place; only the
// values the message keeps (strings, payloads, decoded args) are copied.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) { return unmarshal(b, true) }

// unmarshal is Unmarshal; hot false skips the hot path (for the tests that
// compare it with the general reader).
func unmarshal(b []byte, hot bool) (wamp.Message, error) {
	r := reader{b: b, st: valueSlab{size: min(len(b), slabSize)}}
	if len(b) < 4 {
		return nil, malformed("shorter than a root offset")
	}
	root, err := r.table(int(binary.LittleEndian.Uint32(b)))
	if err != nil {
		return nil, err
	}
	tp, ok, err := r.scalar(root, 0, 1)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, malformed("no message type")
	}
	code := b[tp]
	l := layouts[code]
	if l == nil {
		return nil, &wamp.ProtocolError{Msg: "flatbuffers: message type " + itoa(int(code)) + " not supported"}
	}
	mp, ok, err := r.ref(root, 1)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, malformed("no message table")
	}
	t, err := r.table(mp)
	if err != nil {
		return nil, err
	}
	if hot {
		if m, ok := r.hot(l, t); ok {
			return m, nil
		}
	}
	var w wamp.Wire
	if err := r.message(l, t, &w); err != nil {
		return nil, err
	}
	return wamp.FromWire(&w)
}

func malformed(what string) error {
	return &wamp.ProtocolError{Msg: "flatbuffers: malformed: " + what}
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(buf[i:])
		}
	}
}

type reader struct {
	b  []byte
	st valueSlab
	// strs counts the bytes of the strings read from [string] vectors,
	// which may all refer to one string: more than len(b) is malformed.
	strs int
}

// table is a verified table header: its position, vtable and sizes.
type table struct {
	pos, vt, vtLen, tLen int
}

func (r *reader) u16(p int) int { return int(binary.LittleEndian.Uint16(r.b[p:])) }

func (r *reader) u32(p int) int64 { return int64(binary.LittleEndian.Uint32(r.b[p:])) }

// table checks the table at p and its vtable.
func (r *reader) table(p int) (table, error) {
	if p < 0 || p > len(r.b)-4 {
		return table{}, malformed("table offset out of range")
	}
	vt := int64(p) - int64(int32(binary.LittleEndian.Uint32(r.b[p:])))
	if vt < 0 || vt > int64(len(r.b)-4) {
		return table{}, malformed("vtable offset out of range")
	}
	t := table{pos: p, vt: int(vt)}
	t.vtLen, t.tLen = r.u16(t.vt), r.u16(t.vt+2)
	if t.vtLen < 4 || t.vtLen&1 != 0 || t.vt+t.vtLen > len(r.b) || t.tLen < 4 || p+t.tLen > len(r.b) {
		return table{}, malformed("bad vtable")
	}
	return t, nil
}

// scalar returns the position of the size-byte field in slot, whether it
// is present, and an error if it lies outside its table.
func (r *reader) scalar(t table, slot, size int) (int, bool, error) {
	o := 4 + 2*slot
	if o+2 > t.vtLen {
		return 0, false, nil
	}
	off := r.u16(t.vt + o)
	if off == 0 {
		return 0, false, nil
	}
	if off < 4 || off+size > t.tLen {
		return 0, false, malformed("field outside its table")
	}
	return t.pos + off, true, nil
}

// ref follows the offset field in slot.
func (r *reader) ref(t table, slot int) (int, bool, error) {
	p, ok, err := r.scalar(t, slot, 4)
	if !ok || err != nil {
		return 0, ok, err
	}
	target := int64(p) + r.u32(p)
	if target > int64(len(r.b)-4) {
		return 0, false, malformed("offset out of range")
	}
	return int(target), true, nil
}

// vector returns the elements' start and count of the vector in slot.
func (r *reader) vector(t table, slot, elemSize int) (start, n int, ok bool, err error) {
	p, ok, err := r.ref(t, slot)
	if !ok || err != nil {
		return 0, 0, ok, err
	}
	count := r.u32(p)
	if count*int64(elemSize) > int64(len(r.b)-p-4) {
		return 0, 0, false, malformed("vector longer than the input")
	}
	return p + 4, int(count), true, nil
}

// bytes returns the [ubyte] vector in slot, in place.
func (r *reader) bytes(t table, slot int) ([]byte, bool, error) {
	s, n, ok, err := r.vector(t, slot, 1)
	if !ok || err != nil {
		return nil, ok, err
	}
	return r.b[s : s+n], true, nil
}

// str returns the string in slot as a fresh Go string.
func (r *reader) str(t table, slot int) (string, bool, error) {
	start, n, ok, err := r.vector(t, slot, 1)
	if !ok || err != nil {
		return "", ok, err
	}
	p := r.b[start : start+n]
	if !terminated(r.b, start+n) {
		return "", false, malformed("string without its terminating zero")
	}
	if !utf8.Valid(p) {
		return "", false, malformed("string is not valid UTF-8")
	}
	return r.st.str(p), true, nil
}

// message reads table t of layout l into w.
func (r *reader) message(l *layout, t table, w *wamp.Wire) error {
	w.Len = l.fixed
	w.Elems[0] = wamp.Elem{Kind: wamp.KindInt, Int: int64(l.t)}
	var dict wamp.Dict
	for i := range l.fields {
		f := &l.fields[i]
		if f.pos > 0 {
			if err := r.positional(t, f, &w.Elems[f.pos]); err != nil {
				return err
			}
			continue
		}
		v, ok, err := r.value(t, f)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if dict == nil {
			dict = make(wamp.Dict, 4)
		}
		dict[f.key] = v
	}
	if l.dictPos > 0 {
		if dict == nil && l.optDict {
			w.Len--
		} else {
			w.Elems[l.dictPos] = wamp.Elem{Kind: wamp.KindDict, Dict: dict}
		}
	}
	if l.args < 0 {
		return nil
	}
	return r.payload(l, t, w)
}

// positional reads a field that is an element of the wire list straight
// into e, without boxing; an absent field is the schema default.
func (r *reader) positional(t table, f *field, e *wamp.Elem) error {
	*e = zero(f)
	switch f.kind {
	case kU64, kU16:
		p, ok, err := r.scalar(t, f.slot, scalarSize(f.kind))
		if !ok || err != nil {
			return err
		}
		var n uint64
		if f.kind == kU16 {
			n = uint64(r.u16(p))
		} else {
			n = binary.LittleEndian.Uint64(r.b[p:])
		}
		if n <= math.MaxInt64 {
			e.Int = int64(n)
		} else {
			*e = wamp.Elem{Kind: wamp.KindUint, Uint: n}
		}
		return nil
	case kStr:
		s, _, err := r.str(t, f.slot)
		e.Str = s
		return err
	}
	v, ok, err := r.value(t, f)
	if ok && err == nil {
		e.SetValue(v)
	}
	return err
}

// zero is the value of an absent positional field: the schema default.
func zero(f *field) wamp.Elem {
	switch f.kind {
	case kEnum:
		return wamp.Elem{Kind: wamp.KindString, Str: f.names[0]}
	case kStr:
		return wamp.Elem{Kind: wamp.KindString}
	case kMap:
		return wamp.Elem{Kind: wamp.KindDict}
	}
	return wamp.Elem{Kind: wamp.KindInt}
}

// payload reads the passthru payload or the CBOR args and kwargs.
func (r *reader) payload(l *layout, t table, w *wamp.Wire) error {
	p, hasPayload, err := r.bytes(t, l.payload)
	if err != nil {
		return err
	}
	a, hasArgs, err := r.bytes(t, l.args)
	if err != nil {
		return err
	}
	k, hasKwargs, err := r.bytes(t, l.kwargs)
	if err != nil {
		return err
	}
	if hasPayload && (hasArgs || hasKwargs) {
		return &wamp.ProtocolError{Msg: "flatbuffers: " + l.t.String() + ": payload together with args/kwargs"}
	}
	switch {
	case hasPayload:
		w.Elems[w.Len] = wamp.Elem{Kind: wamp.KindBytes, Bytes: append([]byte{}, p...)}
		w.Len++
	case hasArgs || hasKwargs:
		args := wamp.List{}
		if hasArgs {
			v, err := decodeCBOR(a, &r.st)
			list, ok := v.([]any)
			if err != nil || !ok {
				return &wamp.ProtocolError{Msg: "flatbuffers: " + l.t.String() + ".args: want a CBOR list"}
			}
			args = list
		}
		w.Elems[w.Len] = wamp.Elem{Kind: wamp.KindList, List: args}
		w.Len++
		if hasKwargs {
			v, err := decodeCBOR(k, &r.st)
			d, ok := v.(map[string]any)
			if err != nil || !ok {
				return &wamp.ProtocolError{Msg: "flatbuffers: " + l.t.String() + ".kwargs: want a CBOR dict"}
			}
			w.Elems[w.Len] = wamp.Elem{Kind: wamp.KindDict, Dict: d}
			w.Len++
		}
	}
	return nil
}

// value reads field f of t as a WAMP value.
func (r *reader) value(t table, f *field) (any, bool, error) {
	switch f.kind {
	case kBool, kEnum, kU16, kU32, kU64:
		p, ok, err := r.scalar(t, f.slot, scalarSize(f.kind))
		if !ok || err != nil {
			return nil, ok, err
		}
		switch f.kind {
		case kBool:
			if r.b[p] > 1 {
				return nil, false, malformed("bool out of range")
			}
			return r.b[p] == 1, true, nil
		case kEnum:
			if int(r.b[p]) >= len(f.names) {
				return nil, false, &wamp.ProtocolError{Msg: "flatbuffers: " + f.key + ": enum value out of range"}
			}
			return f.names[r.b[p]], true, nil
		case kU16:
			return int64(r.u16(p)), true, nil
		case kU32:
			return r.u32(p), true, nil
		}
		return uintValue(binary.LittleEndian.Uint64(r.b[p:])), true, nil
	case kStr:
		return r.str(t, f.slot)
	case kBytes:
		p, ok, err := r.bytes(t, f.slot)
		return string(p), ok, err
	case kU64s:
		s, n, ok, err := r.vector(t, f.slot, 8)
		if !ok || err != nil {
			return nil, ok, err
		}
		l := make(wamp.List, n)
		for i := range l {
			l[i] = uintValue(binary.LittleEndian.Uint64(r.b[s+8*i:]))
		}
		return l, true, nil
	case kEnums:
		p, ok, err := r.bytes(t, f.slot)
		if !ok || err != nil {
			return nil, ok, err
		}
		l := make(wamp.List, len(p))
		for i, v := range p {
			if int(v) >= len(f.names) {
				return nil, false, &wamp.ProtocolError{Msg: "flatbuffers: " + f.key + ": enum value out of range"}
			}
			l[i] = f.names[v]
		}
		return l, true, nil
	case kStrs:
		s, n, ok, err := r.vector(t, f.slot, 4)
		if !ok || err != nil {
			return nil, ok, err
		}
		l := make(wamp.List, n)
		for i := range l {
			e := s + 4*i
			p := int64(e) + r.u32(e)
			if p > int64(len(r.b)-4) || r.u32(int(p)) > int64(len(r.b))-p-4 {
				return nil, false, malformed("string out of range")
			}
			end := p + 4 + r.u32(int(p))
			b := r.b[p+4 : end]
			if !terminated(r.b, int(end)) {
				return nil, false, malformed("string without its terminating zero")
			}
			if r.strs += len(b); r.strs > len(r.b) {
				return nil, false, malformed("strings of [string] vectors longer than the message (shared)")
			}
			if !utf8.Valid(b) {
				return nil, false, malformed("string is not valid UTF-8")
			}
			l[i] = r.st.str(b)
		}
		return l, true, nil
	case kMap:
		p, ok, err := r.ref(t, f.slot)
		if !ok || err != nil {
			return nil, ok, err
		}
		mt, err := r.table(p)
		if err != nil {
			return nil, false, err
		}
		k, _, err := r.str(mt, 0)
		if err != nil {
			return nil, false, err
		}
		v, hasValue, err := r.str(mt, 1)
		if err != nil {
			return nil, false, err
		}
		if !hasValue {
			return wamp.Dict{}, true, nil
		}
		return wamp.Dict{k: v}, true, nil
	case kClientRoles:
		return r.roles(t, f.slot, clientRoles)
	case kRouterRoles:
		return r.roles(t, f.slot, routerRoles)
	}
	return nil, false, nil
}

// terminated reports whether the zero byte FlatBuffers writes after a
// string's bytes (ending at end) is there.
func terminated(b []byte, end int) bool {
	return end < len(b) && b[end] == 0
}

func scalarSize(k kind) int {
	switch k {
	case kU16:
		return 2
	case kU32:
		return 4
	case kU64:
		return 8
	}
	return 1
}

// uintValue returns n as int64 when it fits, as the other decoders do.
func uintValue(n uint64) any {
	if n <= math.MaxInt64 {
		return int64(n)
	}
	return n
}

// roles reads ClientRoles/RouterRoles into a WAMP roles dict.
func (r *reader) roles(t table, slot int, roles []role) (any, bool, error) {
	p, ok, err := r.ref(t, slot)
	if !ok || err != nil {
		return nil, ok, err
	}
	rt, err := r.table(p)
	if err != nil {
		return nil, false, err
	}
	out := wamp.Dict{}
	for i, ro := range roles {
		fp, ok, err := r.ref(rt, i)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		ft, err := r.table(fp)
		if err != nil {
			return nil, false, err
		}
		var feats wamp.Dict
		for s, name := range ro.features {
			bp, ok, err := r.scalar(ft, s, 1)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			if r.b[bp] > 1 {
				return nil, false, malformed("bool out of range")
			}
			if feats == nil {
				feats = wamp.Dict{}
			}
			feats[name] = r.b[bp] == 1
		}
		rd := wamp.Dict{}
		if feats != nil {
			rd["features"] = feats
		}
		out[ro.name] = rd
	}
	return out, true, nil
}
