package json_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// AppendValue that fails returns dst unchanged, as AppendMessage does: a
// caller appending several values to one buffer (or reusing it) and
// going on after an error must not find half a value after its data.
// It returned what it had written up to the bad element (a list's
// header and first elements, a dict's first pairs).
func TestReview18AppendValueFailureLeavesDst(t *testing.T) {
	for _, v := range []any{
		wamp.List{"ok", int64(7), "\xff"},
		wamp.Dict{"a": "ok", "b": wamp.List{"ok", struct{}{}}},
		wamp.Dict{"a": int64(1), "\xff": int64(2)},
		[]string{"ok", "a\xffb"},
		wamp.List{"ok", wamp.List{wamp.List{"x", make(chan int)}}},
	} {
		check(t, "AppendValue", v, func(dst []byte) ([]byte, error) { return json.AppendValue(dst, v) })
	}
}

func check(t *testing.T, name string, v any, appendTo func([]byte) ([]byte, error)) {
	t.Helper()
	dst := make([]byte, 3, 64)
	copy(dst, "pre")
	got, err := appendTo(dst)
	if !errors.Is(err, json.ErrUnsupportedType) {
		t.Fatalf("%s(%v): err %v, want ErrUnsupportedType", name, v, err)
	}
	if !bytes.Equal(got, []byte("pre")) || &got[0] != &dst[0] {
		t.Errorf("%s(%v) failed but returned %q, want dst (%q) unchanged", name, v, got, "pre")
	}
}
