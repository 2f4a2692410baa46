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
