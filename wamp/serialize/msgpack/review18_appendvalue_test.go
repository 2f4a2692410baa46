package msgpack_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// AppendValue that fails returns dst unchanged, as AppendMessage does (it
// returned what it had written up to the bad element).
func TestReview18AppendValueFailureLeavesDst(t *testing.T) {
	vectors.CheckAppendValueFailureLeavesDst(t, msgpack.AppendValue, msgpack.ErrUnsupportedType)
}
