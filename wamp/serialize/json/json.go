package json

import (
	"errors"
	"strconv"

	"github.com/autobahn-go/autobahn/wamp"
)

// MaxDepth bounds the nesting of lists and dicts the decoder accepts.
const MaxDepth = 1000

// ErrSyntax is returned (wrapped) for input that is not valid JSON, or
// beyond the decoder's limits (nesting deeper than MaxDepth, a number
// beyond float64's range).
var ErrSyntax = errors.New("wamp/json: syntax error")

// ErrUnsupportedType is returned (possibly wrapped) for values the encoder
// cannot represent: other Go types, NaN and infinities, a string value
// starting with NUL (the binary marker), a string that is not UTF-8.
var ErrUnsupportedType = errors.New("wamp/json: unsupported value type")

// Serializer implements wamp.Serializer for JSON. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "json".
func (Serializer) Name() string { return "json" }

// Binary returns false: JSON goes in WebSocket text frames.
func (Serializer) Binary() bool { return false }

// AppendMessage appends the JSON encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	b := append(dst, '[')
	for i := range w.Len {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		switch e := &w.Elems[i]; e.Kind {
		case wamp.KindInt:
			b = strconv.AppendInt(b, e.Int, 10)
		case wamp.KindUint:
			b = strconv.AppendUint(b, e.Uint, 10)
		case wamp.KindString:
			b, err = appendText(b, e.Str)
		case wamp.KindDict:
			b, err = appendDict(b, e.Dict, 1)
		case wamp.KindList:
			b, err = appendList(b, e.List, 1)
		case wamp.KindBytes:
			b = appendBytes(b, e.Bytes)
		default:
			b, err = appendValue(b, e.Val, 1)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(b, ']'), nil
}

// Unmarshal decodes and validates one message. The top-level list is read
// straight into a wamp.Wire: its IDs and URIs are never boxed.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	var d decoder
	d.b = b
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '[' {
		if _, err := Decode(b); err != nil {
			return nil, err
		}
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	var w wamp.Wire
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
	} else {
		for {
			var err error
			if w.Len < wamp.MaxWireLen {
				err = d.elem(&w.Elems[w.Len])
			} else {
				_, err = d.value(1)
			}
			if err != nil {
				return nil, err
			}
			w.Len++
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.syntax("unexpected end in list")
			}
			if d.b[d.i] == ']' {
				d.i++
				break
			}
			if d.b[d.i] != ',' {
				return nil, d.syntax("want ',' or ']'")
			}
			d.i++
			d.ws()
		}
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, d.syntax("trailing data")
	}
	return wamp.FromWire(&w)
}

// elem decodes one top-level element into e without boxing integers,
// strings, lists or binary values.
func (d *decoder) elem(e *wamp.Elem) error {
	if d.i >= len(d.b) {
		return d.syntax("unexpected end")
	}
	switch c := d.b[d.i]; {
	case c == '[':
		l, err := d.list(1)
		e.Kind, e.List = wamp.KindList, l
		return err
	case c == '{':
		m, err := d.dict(1)
		e.Kind, e.Dict = wamp.KindDict, m
		return err
	case c == '"':
		s, bin, err := d.text()
		if bin != nil {
			e.Kind, e.Bytes = wamp.KindBytes, bin
		} else {
			e.Kind, e.Str = wamp.KindString, s
		}
		return err
	case c == '-' || c >= '0' && c <= '9':
		s, isFloat, err := d.scanNumber()
		if err != nil {
			return err
		}
		if !isFloat {
			if n, ok := parseInt(s); ok {
				e.Kind, e.Int = wamp.KindInt, n
				return nil
			}
		}
		v, err := d.convNumber(s, isFloat)
		e.SetValue(v)
		return err
	}
	v, err := d.value(1)
	e.Val = v
	return err
}

// Decode decodes one JSON value from b; there must be nothing but
// whitespace after it.
func Decode(b []byte) (any, error) {
	var d decoder
	d.b = b
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, d.syntax("trailing data")
	}
	return v, nil
}
