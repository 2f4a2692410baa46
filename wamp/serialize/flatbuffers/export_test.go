package flatbuffers

import (
	fb "github.com/google/flatbuffers/go"

	"github.com/autobahn-go/autobahn/wamp"
)

// AppendWithBuilder is AppendMessage through the runtime's Builder only,
// for comparing the two writers.
func AppendWithBuilder(dst []byte, m wamp.Message) ([]byte, error) {
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	l := layouts[byte(w.Elems[0].Int)]
	e := &encoder{b: fb.NewBuilder(0)}
	return e.message(dst, l, &w, messageDict(l, &w))
}

// AppendGeneral is AppendMessage without the hot path.
func AppendGeneral(dst []byte, m wamp.Message) ([]byte, error) { return appendMessage(dst, m, false) }

// UnmarshalGeneral is Unmarshal without the hot path.
func UnmarshalGeneral(b []byte) (wamp.Message, error) { return unmarshal(b, false) }
