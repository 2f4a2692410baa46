package flatbuffers

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// The direct writer: the messages whose fields are scalars, strings and
// byte vectors (CALL, RESULT, EVENT, … with Options/Details; without
// them they take the hot writer in hot.go, which writes the same bytes)
// are written front to back straight into dst, without the runtime's
// Builder and the copy out of it (about half the cost of a round trip in
// BenchmarkRoundTrip). Messages with nested tables or vectors of strings
// and integers (HELLO, WELCOME, CHALLENGE, AUTHENTICATE, PUBLISH with
// exclusion lists) go through the Builder. All produce valid FlatBuffers
// (checked against each other and against the flatc-generated readers in
// the tests).
//
// Layout: the root offset, the Message vtable and table, the message's
// vtable and table, then the strings and vectors the table refers to (a
// uoffset points forward, as FlatBuffers requires). Alignment is relative
// to the start of the message: 8-byte fields on 8, offsets and vector
// lengths on 4.

// directFields bounds the fields a message written directly has present
// (args and kwargs included); a message with more goes through the Builder.
const directFields = 12

// wfield is one present field of the table being written (kept small:
// direct fills an array of them on every call).
type wfield struct {
	val  uint64 // scalars
	str  string // references: a string's or a [ubyte]'s bytes
	slot uint8
	size uint8 // 1, 2, 4, 8; 4 for references
	kind uint8 // wScalar, wString, wBytes, wArgs, wKwargs
	pos  int32 // where the field was written (relative to the message)
}

const (
	wScalar = iota
	wString // string: written with its terminating zero
	wBytes  // [ubyte]
	wArgs   // args: the wire list's List, written as CBOR
	wKwargs // kwargs: the wire list's Dict, written as CBOR
)

// bytesStr views b as a string without copying; writeDirect only reads it.
func bytesStr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// direct reports whether l's message in w can take the direct writer,
// and collects its fields in fs.
func direct(l *layout, w *wamp.Wire, dict wamp.Dict, fs *[directFields]wfield) (int, bool) {
	n := 0
	for i := range l.fields {
		if n == len(fs)-2 { // keep room for args and kwargs
			return 0, false
		}
		f := &l.fields[i]
		var v any
		if f.pos > 0 {
			el := &w.Elems[f.pos]
			switch {
			case f.kind == kStr && el.Kind == wamp.KindString:
				if !utf8.ValidString(el.Str) {
					return 0, false // the Builder path reports it
				}
				fs[n] = wfield{slot: uint8(f.slot), size: 4, str: el.Str, kind: wString}
				n++
				continue
			case f.kind == kU64 || f.kind == kU16:
				if u, ok := positionalUint(el); ok {
					if u != 0 { // the default: Autobahn omits it too
						if f.kind == kU16 {
							if u > math.MaxUint16 {
								return 0, false
							}
							fs[n] = wfield{slot: uint8(f.slot), size: 2, val: u}
						} else {
							fs[n] = wfield{slot: uint8(f.slot), size: 8, val: u}
						}
						n++
					}
					continue
				}
			}
			v = el.Value()
		} else {
			var ok bool
			if len(dict) == 0 {
				continue
			}
			if v, ok = dict[f.key]; !ok {
				continue
			}
		}

		switch f.kind {
		case kBool:
			x, ok := v.(bool)
			if !ok {
				return 0, false // the Builder path reports it
			}
			fs[n] = wfield{slot: uint8(f.slot), size: 1}
			if x {
				fs[n].val = 1
			}
		case kEnum:
			x, err := enumValue(f.names, v)
			if err != nil {
				return 0, false
			}
			fs[n] = wfield{slot: uint8(f.slot), size: 1, val: uint64(x)}
		case kU16, kU32, kU64:
			u, ok := asUint(v)
			if !ok || f.kind == kU16 && u > math.MaxUint16 || f.kind == kU32 && u > math.MaxUint32 {
				return 0, false
			}
			fs[n] = wfield{slot: uint8(f.slot), size: uint8(scalarSize(f.kind)), val: u}
		case kStr:
			s, ok := v.(string)
			if !ok || !utf8.ValidString(s) {
				return 0, false
			}
			fs[n] = wfield{slot: uint8(f.slot), size: 4, str: s, kind: wString}
		case kBytes:
			switch x := v.(type) {
			case string:
				fs[n] = wfield{slot: uint8(f.slot), size: 4, str: x, kind: wString}
			case []byte:
				fs[n] = wfield{slot: uint8(f.slot), size: 4, str: bytesStr(x), kind: wBytes}
			default:
				return 0, false
			}
		default:
			return 0, false // nested tables, vectors of strings or integers
		}
		n++
	}
	if l.args >= 0 && w.Len > l.fixed {
		tail := w.Elems[l.fixed:w.Len]
		if tail[0].Kind == wamp.KindBytes {
			fs[n] = wfield{slot: uint8(l.payload), size: 4, str: bytesStr(tail[0].Bytes), kind: wBytes}
			return n + 1, true
		}
		if len(tail[0].List) > 0 {
			fs[n] = wfield{slot: uint8(l.args), size: 4, kind: wArgs}
			n++
		}
		if len(tail) > 1 && len(tail[1].Dict) > 0 {
			fs[n] = wfield{slot: uint8(l.kwargs), size: 4, kind: wKwargs}
			n++
		}
	}
	return n, true
}

// writeDirect appends the message of type t with fields fs to dst; tail
// holds args and kwargs. On an error (a value CBOR cannot carry) dst is
// returned unchanged.
func writeDirect(dst []byte, t wamp.MessageType, fs []wfield, tail []wamp.Elem) ([]byte, error) {
	base := len(dst)
	// Root offset, Message vtable (8 bytes: msg_type at 8, msg at 4) and
	// Message table (soffset, msg uoffset, msg_type, padding).
	b := append(dst, 12, 0, 0, 0, 8, 0, 12, 0, 8, 0, 4, 0, 8, 0, 0, 0, 0, 0, 0, 0, byte(t), 0, 0, 0)
	const msgRef = 16 // position of Message.msg

	// The message's vtable covers the slots up to the highest present one.
	maxSlot, has8 := -1, false
	for i := range fs {
		maxSlot = max(maxSlot, int(fs[i].slot))
		has8 = has8 || fs[i].size == 8
	}
	vt := len(b) - base
	vtLen := 4 + 2*(maxSlot+1)
	// The table starts on 4, or on 8+4 when 8-byte fields follow the soffset.
	tpos := vt + vtLen
	tpos += (4 - tpos%4) % 4
	if has8 && tpos%8 != 4 {
		tpos += 4
	}
	b = append(b, make([]byte, tpos-vt)...)
	b = binary.LittleEndian.AppendUint32(b, uint32(tpos-vt))
	for _, size := range [...]uint8{8, 4, 2, 1} {
		for i := range fs {
			f := &fs[i]
			if f.size != size {
				continue
			}
			f.pos = int32(len(b) - base)
			switch size {
			case 8:
				b = binary.LittleEndian.AppendUint64(b, f.val)
			case 4:
				b = binary.LittleEndian.AppendUint32(b, uint32(f.val)) // references are patched below
			case 2:
				b = binary.LittleEndian.AppendUint16(b, uint16(f.val))
			default:
				b = append(b, byte(f.val))
			}
		}
	}
	v := b[base+vt:]
	binary.LittleEndian.PutUint16(v, uint16(vtLen))
	binary.LittleEndian.PutUint16(v[2:], uint16(len(b)-base-tpos))
	for i := range fs {
		binary.LittleEndian.PutUint16(v[4+2*int(fs[i].slot):], uint16(int(fs[i].pos)-tpos))
	}
	binary.LittleEndian.PutUint32(b[base+msgRef:], uint32(tpos-msgRef))
	// The strings and vectors, each on 4, patched into their fields.
	for i := range fs {
		f := &fs[i]
		if f.kind == wScalar {
			continue
		}
		b = append(b, make([]byte, (4-(len(b)-base)%4)%4)...)
		obj := len(b) - base
		binary.LittleEndian.PutUint32(b[base+int(f.pos):], uint32(obj-int(f.pos)))
		switch f.kind {
		case wString:
			b = binary.LittleEndian.AppendUint32(b, uint32(len(f.str)))
			b = append(append(b, f.str...), 0)
		case wBytes:
			b = binary.LittleEndian.AppendUint32(b, uint32(len(f.str)))
			b = append(b, f.str...)
		default:
			b = append(b, 0, 0, 0, 0)
			start := len(b)
			var err error
			if f.kind == wArgs {
				b, err = cbor.AppendList(b, tail[0].List)
			} else {
				b, err = cbor.AppendDict(b, tail[1].Dict)
			}
			if err != nil {
				return dst[:base], err
			}
			binary.LittleEndian.PutUint32(b[start-4:], uint32(len(b)-start))
		}
	}
	return b, nil
}

// positionalUint returns an integer element without boxing it.
func positionalUint(e *wamp.Elem) (uint64, bool) {
	switch e.Kind {
	case wamp.KindUint:
		return e.Uint, true
	case wamp.KindInt:
		return uint64(e.Int), e.Int >= 0
	}
	return 0, false
}
