package utf8

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/testtext"
)

// vectors are the streaming test inputs: valid and broken text around every
// sequence length, and some longer text broken near its end.
func vectors() [][]byte {
	v := [][]byte{
		{}, []byte("a"), []byte("κόσμε"), []byte("\xf0\x9f\x98\x80"), []byte("a\xf0\x9f\x98\x80b"),
		[]byte("\xf0\x9f\x98"), []byte("\xf0\x9f\x98a"), []byte("\xe2\x82\xac\xe2\x82"), []byte("\xed\xa0\x80"),
		[]byte("\xf4\x90\x80\x80"), []byte("\xc0\xaf"), []byte("\xff"), []byte("ab\x80cd"),
		[]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"),
		[]byte("\xf1\x80\x80\x80\xf1\x80\x80\xc0"),
	}
	rng := rand.New(rand.NewPCG(7, 8))
	n := 150
	if testing.Short() {
		n = 70
	}
	for _, kind := range []string{"ascii", "latin", "cjk", "emoji", "mixed"} {
		text := testtext.About(rng, kind, n)
		v = append(v, text)
		broken := bytes.Clone(text)
		broken[len(broken)-3] = 0xC0
		v = append(v, broken, text[:len(text)-1], corrupt(rng, bytes.Clone(text)))
	}
	return v
}

// stream writes the pieces of p cut at the given points and returns whether
// the Validator accepted the message and the index of the first piece for
// which Write returned false (-1 if none).
func stream(v *Validator, p []byte, cuts ...int) (ok bool, failed int) {
	v.Reset()
	failed = -1
	prev := 0
	for i, c := range append(cuts, len(p)) {
		if !v.Write(p[prev:c]) && failed < 0 {
			failed = i
		}
		prev = c
	}
	return v.Done(), failed
}

// wantPiece returns the index of the piece that holds byte off.
func wantPiece(off int, cuts ...int) int {
	for i, c := range cuts {
		if off < c {
			return i
		}
	}
	return len(cuts)
}

func checkStream(t *testing.T, v *Validator, p []byte, want Result, cuts ...int) {
	t.Helper()
	ok, failed := stream(v, p, cuts...)
	wantFailed := -1
	if want.Kind == Invalid && want.Offset < len(p) {
		wantFailed = wantPiece(want.Offset, cuts...)
	}
	if ok != want.Valid() || failed != wantFailed {
		t.Fatalf("% x cut at %v: ok %v, first failing piece %d; want %v, %d (%+v)",
			p, cuts, ok, failed, want.Valid(), wantFailed, want)
	}
}

func TestValidatorSplits(t *testing.T) {
	nvxtestEach(t, func(t *testing.T) {
		var v Validator
		for _, p := range vectors() {
			want := reference(p)
			checkStream(t, &v, p, want)
			for i := 0; i <= len(p); i++ {
				checkStream(t, &v, p, want, i)
				for j := i; j <= len(p); j++ {
					checkStream(t, &v, p, want, i, j)
				}
			}
			// One byte at a time: a 4-byte sequence split 1+1+1+1.
			cuts := make([]int, 0, len(p))
			for i := 1; i < len(p); i++ {
				cuts = append(cuts, i)
			}
			checkStream(t, &v, p, want, cuts...)
		}
	})
}

func TestValidatorFailFast(t *testing.T) {
	var v Validator
	if !v.Write([]byte("ab\xf0")) || !v.Write([]byte("\x9f")) || v.Write([]byte("a")) {
		t.Fatal("F0 9F then ASCII accepted")
	}
	if v.Write([]byte("ok")) || v.Done() {
		t.Fatal("a failed Validator recovered without Reset")
	}
	v.Reset()
	if !v.Write([]byte("\xf0\x9f\x98")) || v.Done() {
		t.Fatal("unfinished sequence reported done")
	}
	if !v.Write([]byte("\x80")) || !v.Done() {
		t.Fatal("finished sequence not done")
	}
}

func TestValidatorAllocs(t *testing.T) {
	p := testtext.About(rand.New(rand.NewPCG(9, 9)), "mixed", 4096)
	var v Validator
	allocs := testing.AllocsPerRun(100, func() {
		v.Reset()
		v.Write(p[:1001])
		v.Write(p[1001:])
		v.Done()
	})
	if allocs != 0 {
		t.Fatalf("Validator allocates %v times per message", allocs)
	}
}
