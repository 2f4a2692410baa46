package cbor_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// AppendValue, AppendList and AppendDict that fail return dst unchanged,
// as AppendMessage does (they returned what they had written up to the
// bad element).
func TestReview18AppendValueFailureLeavesDst(t *testing.T) {
	vectors.CheckAppendValueFailureLeavesDst(t, cbor.AppendValue, cbor.ErrUnsupportedType)
	for _, l := range [][]any{{"ok", "\xff"}, {int64(1), map[string]any{"k": struct{}{}}}} {
		vectors.CheckAppendFailure(t, "AppendList", l, cbor.ErrUnsupportedType, func(dst []byte) ([]byte, error) { return cbor.AppendList(dst, l) })
	}
	d := map[string]any{"a": "ok", "b": []any{"ok", "\xff"}}
	vectors.CheckAppendFailure(t, "AppendDict", d, cbor.ErrUnsupportedType, func(dst []byte) ([]byte, error) { return cbor.AppendDict(dst, d) })
}
