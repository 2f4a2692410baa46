package flatbuffers

import (
	"fmt"
	"math"
	"sync"
	"unicode/utf8"

	fb "github.com/google/flatbuffers/go"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers/internal/fbs"
)

// maxSlots is the most fields a message table has (PUBLISH).
const maxSlots = 19

// maxPooled bounds the builder buffers kept for reuse: an encoder that
// grew past it (one huge message) is dropped, not pooled.
const maxPooled = 64 << 10

// encoder is the reusable state of the Builder path: a builder and a
// scratch buffer for the CBOR of args and kwargs.
type encoder struct {
	b       *fb.Builder
	scratch []byte
}

var encoders = sync.Pool{New: func() any { return &encoder{b: fb.NewBuilder(512)} }}

// AppendMessage appends the FlatBuffers encoding of m to dst.
//
// Options/Details keys without a field in the schema are not written (as
// Autobahn's own builders do), except the few whose true value changes
// what the message does (layout.refuse); those, and a known key with a
// value of the wrong type, are errors matching ErrUnsupportedType.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	return appendMessage(dst, m, true)
}

// appendMessage is AppendMessage; hot false skips the hot path (for the
// tests that compare it with the general writer).
func appendMessage(dst []byte, m wamp.Message, hot bool) ([]byte, error) {
	if hot {
		if out, ok, err := appendHot(dst, m); ok {
			if err != nil {
				return dst, fmt.Errorf("%w: %v: args: %v", ErrUnsupportedType, m.Type(), err)
			}
			return out, nil
		}
	}
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	l := layouts[byte(w.Elems[0].Int)]
	if l == nil {
		return dst, ErrUnsupportedType
	}
	dict := messageDict(l, &w)
	for _, k := range l.refuse {
		if v, ok := dict[k]; ok && v != false {
			return dst, fmt.Errorf("%w: %v.%s: the schema has no field for it", ErrUnsupportedType, l.t, k)
		}
	}
	var fs [directFields]wfield
	if n, ok := direct(l, &w, dict, &fs); ok {
		var tail []wamp.Elem
		if l.args >= 0 {
			tail = w.Elems[l.fixed:w.Len]
		}
		out, err := writeDirect(dst, l.t, fs[:n], tail)
		if err != nil {
			return dst, fmt.Errorf("%w: %v: args: %v", ErrUnsupportedType, l.t, err)
		}
		return out, nil
	}
	e := encoders.Get().(*encoder)
	out, err := e.message(dst, l, &w, dict)
	if cap(e.b.Bytes) <= maxPooled && cap(e.scratch) <= maxPooled {
		encoders.Put(e)
	}
	return out, err
}

// messageDict returns the Options/Details dict of w, or nil.
func messageDict(l *layout, w *wamp.Wire) wamp.Dict {
	if l.dictPos > 0 && l.dictPos < w.Len {
		return w.Elems[l.dictPos].Dict
	}
	return nil
}

// message writes w through the runtime's Builder: the messages the direct
// writer does not take, and wrong values (which it reports).
func (e *encoder) message(dst []byte, l *layout, w *wamp.Wire, dict wamp.Dict) ([]byte, error) {
	b := e.b
	b.Reset()
	// References (strings, vectors, tables) are built before the table.
	var offs [maxSlots]fb.UOffsetT
	for i := range l.fields {
		f := &l.fields[i]
		if !isRef(f.kind) {
			continue
		}
		v, ok := fieldValue(f, w, dict)
		if !ok {
			continue
		}
		off, err := e.ref(f, v)
		if err != nil {
			return dst, fmt.Errorf("%w: %v.%s: %v", ErrUnsupportedType, l.t, fieldName(f), err)
		}
		offs[f.slot] = off
	}
	if l.args >= 0 && w.Len > l.fixed {
		if err := e.payload(l, w, &offs); err != nil {
			return dst, fmt.Errorf("%w: %v: %v", ErrUnsupportedType, l.t, err)
		}
	}
	b.StartObject(l.nfields)
	for i := range l.fields {
		f := &l.fields[i]
		if isRef(f.kind) {
			if offs[f.slot] != 0 {
				b.PrependUOffsetTSlot(f.slot, offs[f.slot], 0)
			}
			continue
		}
		v, ok := fieldValue(f, w, dict)
		if !ok {
			continue
		}
		if err := scalar(b, f, v); err != nil {
			return dst, fmt.Errorf("%w: %v.%s: %v", ErrUnsupportedType, l.t, fieldName(f), err)
		}
	}
	for _, s := range [...]int{l.args, l.kwargs, l.payload} {
		if s >= 0 && offs[s] != 0 {
			b.PrependUOffsetTSlot(s, offs[s], 0)
		}
	}
	msg := b.EndObject()
	fbs.MessageStart(b)
	fbs.MessageAddMsgType(b, fbs.AnyMessage(l.t))
	fbs.MessageAddMsg(b, msg)
	b.Finish(fbs.MessageEnd(b))
	return append(dst, b.FinishedBytes()...), nil
}

func fieldName(f *field) string {
	if f.pos > 0 {
		return fmt.Sprintf("[%d]", f.pos)
	}
	return f.key
}

// fieldValue returns the WAMP value of f in w, and whether it is there.
// Positional values are always there (they may be zero).
func fieldValue(f *field, w *wamp.Wire, dict wamp.Dict) (any, bool) {
	if f.pos > 0 {
		if f.pos >= w.Len {
			return nil, false
		}
		e := &w.Elems[f.pos]
		switch e.Kind {
		case wamp.KindUint:
			return e.Uint, true
		case wamp.KindInt:
			return e.Int, true
		case wamp.KindString:
			return e.Str, true
		case wamp.KindDict:
			return e.Dict, true
		}
		return e.Value(), true
	}
	v, ok := dict[f.key]
	return v, ok
}

func isRef(k kind) bool { return k >= kStr }

// payload writes the application payload: the passthru payload, or args
// and kwargs as CBOR byte vectors (Autobahn's layout for PUBLISH/EVENT).
func (e *encoder) payload(l *layout, w *wamp.Wire, offs *[maxSlots]fb.UOffsetT) error {
	tail := w.Elems[l.fixed:w.Len]
	if tail[0].Kind == wamp.KindBytes {
		offs[l.payload] = e.b.CreateByteVector(tail[0].Bytes)
		return nil
	}
	if len(tail[0].List) > 0 {
		var err error
		if e.scratch, err = cbor.AppendList(e.scratch[:0], tail[0].List); err != nil {
			return fmt.Errorf("args: %v", err)
		}
		offs[l.args] = e.b.CreateByteVector(e.scratch)
	}
	if len(tail) > 1 && len(tail[1].Dict) > 0 {
		var err error
		if e.scratch, err = cbor.AppendDict(e.scratch[:0], tail[1].Dict); err != nil {
			return fmt.Errorf("kwargs: %v", err)
		}
		offs[l.kwargs] = e.b.CreateByteVector(e.scratch)
	}
	return nil
}

// scalar writes a scalar field. Dict values are written even when equal
// to the schema default, so that a present key stays present.
func scalar(b *fb.Builder, f *field, v any) error {
	switch f.kind {
	case kBool:
		x, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want bool, got %T", v)
		}
		b.PrependBool(x)
	case kEnum:
		x, err := enumValue(f.names, v)
		if err != nil {
			return err
		}
		b.PrependUint8(x)
	case kU16, kU32, kU64:
		n, ok := asUint(v)
		if !ok || f.kind == kU16 && n > math.MaxUint16 || f.kind == kU32 && n > math.MaxUint32 {
			return fmt.Errorf("want an unsigned integer in range, got %v", v)
		}
		if f.pos > 0 && n == 0 {
			return nil // the schema default: Autobahn omits it too
		}
		switch f.kind {
		case kU16:
			b.PrependUint16(uint16(n))
		case kU32:
			b.PrependUint32(uint32(n))
		default:
			b.PrependUint64(n)
		}
	}
	b.Slot(f.slot)
	return nil
}

func asUint(v any) (uint64, bool) {
	if u, ok := v.(uint64); ok {
		return u, true
	}
	if id, ok := v.(wamp.ID); ok {
		return uint64(id), true
	}
	n, ok := wamp.AsInt64(v)
	return uint64(n), ok && n >= 0
}

func enumValue(names []string, v any) (uint8, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("want a string, got %T", v)
	}
	for i, n := range names {
		if n == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%q has no value in the schema", s)
}

// ref builds a string, vector or table field and returns its offset.
func (e *encoder) ref(f *field, v any) (fb.UOffsetT, error) {
	b := e.b
	switch f.kind {
	case kStr:
		s, ok := v.(string)
		if !ok {
			if u, isURI := v.(wamp.URI); isURI {
				s, ok = string(u), true
			}
		}
		if !ok {
			return 0, fmt.Errorf("want a string, got %T", v)
		}
		if !utf8.ValidString(s) {
			return 0, errInvalidUTF8
		}
		return b.CreateString(s), nil
	case kBytes:
		switch x := v.(type) {
		case string:
			return b.CreateString(x), nil
		case []byte:
			return b.CreateByteVector(x), nil
		}
		return 0, fmt.Errorf("want a string, got %T", v)
	case kU64s:
		l, ok := v.([]any)
		if !ok {
			return 0, fmt.Errorf("want a list, got %T", v)
		}
		ids := make([]uint64, len(l))
		for i, x := range l {
			n, ok := asUint(x)
			if !ok {
				return 0, fmt.Errorf("want session IDs, got %v", x)
			}
			ids[i] = n
		}
		b.StartVector(8, len(ids), 8)
		for i := len(ids) - 1; i >= 0; i-- {
			b.PrependUint64(ids[i])
		}
		return b.EndVector(len(ids)), nil
	case kStrs, kEnums:
		strs, err := stringList(v)
		if err != nil {
			return 0, err
		}
		if f.kind == kEnums {
			vals := make([]byte, len(strs))
			for i, s := range strs {
				if vals[i], err = enumValue(f.names, s); err != nil {
					return 0, err
				}
			}
			return b.CreateByteVector(vals), nil
		}
		offs := make([]fb.UOffsetT, len(strs))
		for i, s := range strs {
			if !utf8.ValidString(s) {
				return 0, errInvalidUTF8
			}
			offs[i] = b.CreateString(s)
		}
		b.StartVector(4, len(offs), 4)
		for i := len(offs) - 1; i >= 0; i-- {
			b.PrependUOffsetT(offs[i])
		}
		return b.EndVector(len(offs)), nil
	case kMap:
		d, ok := v.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("want a dict, got %T", v)
		}
		if len(d) == 0 {
			return 0, nil
		}
		if len(d) > 1 {
			return 0, fmt.Errorf("the schema's Map holds one string pair, got %d", len(d))
		}
		var k string
		for dk, dv := range d {
			k, v = dk, dv
		}
		s, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("the schema's Map holds one string pair, got a %T value", v)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(s) {
			return 0, errInvalidUTF8
		}
		ko, vo := b.CreateString(k), b.CreateString(s)
		b.StartObject(2)
		b.PrependUOffsetTSlot(0, ko, 0)
		b.PrependUOffsetTSlot(1, vo, 0)
		return b.EndObject(), nil
	case kClientRoles:
		return rolesTable(b, clientRoles, v)
	case kRouterRoles:
		return rolesTable(b, routerRoles, v)
	}
	return 0, fmt.Errorf("kind %d", f.kind)
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want strings, got %T", e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %T", v)
}

// rolesTable writes ClientRoles or RouterRoles from a WAMP roles dict:
// {"caller": {"features": {"call_canceling": true}}}. Roles and features
// the schema has no field for are left out: a peer reads them as not
// supported.
func rolesTable(b *fb.Builder, roles []role, v any) (fb.UOffsetT, error) {
	d, ok := v.(map[string]any)
	if !ok {
		return 0, fmt.Errorf("want a dict, got %T", v)
	}
	var offs [4]fb.UOffsetT
	for i, r := range roles {
		rv, ok := d[r.name]
		if !ok {
			continue
		}
		rd, ok := rv.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("%s: want a dict, got %T", r.name, rv)
		}
		feats, _ := rd["features"].(map[string]any)
		b.StartObject(len(r.features))
		for slot, name := range r.features {
			if fv, ok := feats[name].(bool); ok {
				b.PrependBool(fv)
				b.Slot(slot)
			}
		}
		offs[i] = b.EndObject()
	}
	b.StartObject(len(roles))
	for i := range roles {
		if offs[i] != 0 {
			b.PrependUOffsetTSlot(i, offs[i], 0)
		}
	}
	return b.EndObject(), nil
}
