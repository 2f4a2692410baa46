package vectors

import (
	"bytes"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// CheckAppendValueFailureLeavesDst checks that a serializer's AppendValue
// that fails returns dst unchanged, as AppendMessage does: a caller
// appending several values to one buffer (or reusing it) and going on
// after an error must not find half a value after its data. It tries
// values whose bad element comes after good ones (a list's header and
// first elements, a dict's first pairs), and wants errors matching
// sentinel.
func CheckAppendValueFailureLeavesDst(t *testing.T, appendValue func([]byte, any) ([]byte, error), sentinel error) {
	t.Helper()
	for _, v := range []any{
		wamp.List{"ok", int64(7), "\xff"},
		wamp.Dict{"a": "ok", "b": wamp.List{"ok", struct{}{}}},
		wamp.Dict{"a": int64(1), "\xff": int64(2)},
		[]string{"ok", "a\xffb"},
		wamp.List{"ok", wamp.List{wamp.List{"x", make(chan int)}}},
	} {
		CheckAppendFailure(t, "AppendValue", v, sentinel, func(dst []byte) ([]byte, error) { return appendValue(dst, v) })
	}
}

// CheckAppendFailure checks that appendTo, which is to fail on v with an
// error matching sentinel, returns its dst ("pre") unchanged.
func CheckAppendFailure(t *testing.T, name string, v any, sentinel error, appendTo func([]byte) ([]byte, error)) {
	t.Helper()
	dst := make([]byte, 3, 64)
	copy(dst, "pre")
	got, err := appendTo(dst)
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s(%v): err %v, want %v", name, v, err, sentinel)
	}
	if !bytes.Equal(got, []byte("pre")) || &got[0] != &dst[0] {
		t.Errorf("%s(%v) failed but returned %q, want dst (%q) unchanged", name, v, got, "pre")
	}
}
