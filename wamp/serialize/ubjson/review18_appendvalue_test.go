package ubjson_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// AppendValue that fails returns dst unchanged, as AppendMessage does (it
// returned what it had written up to the bad element).
func TestReview18AppendValueFailureLeavesDst(t *testing.T) {
	vectors.CheckAppendValueFailureLeavesDst(t, ubjson.AppendValue, ubjson.ErrUnsupportedType)
}
