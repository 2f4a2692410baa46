package nvxtest

import (
	"slices"
	"testing"
	"unsafe"
)

func TestGuarded(t *testing.T) {
	for _, n := range []int{1, 100, 4096, 5000} {
		a, b := Guarded(t, n)
		if len(a) != n || len(b) != n || cap(a) != n || cap(b) != n {
			t.Fatalf("n=%d: lengths %d/%d caps %d/%d", n, len(a), len(b), cap(a), cap(b))
		}
		// The second slice ends on a page boundary, where the guard starts.
		end := uintptr(unsafe.Pointer(&b[n-1])) + 1
		if end%4096 != 0 && end%16384 != 0 && end%65536 != 0 {
			t.Fatalf("n=%d: slice does not end on a page boundary (%#x)", n, end)
		}
		a[0], a[n-1], b[0], b[n-1] = 1, 2, 3, 4 // writable
	}
}

func TestSplitAlt(t *testing.T) {
	if got := splitAlt("sse2|generic"); !slices.Equal(got, []string{"sse2", "generic"}) {
		t.Fatal(got)
	}
	if got := splitAlt("avx2"); !slices.Equal(got, []string{"avx2"}) {
		t.Fatal(got)
	}
}

func TestRequiredFor(t *testing.T) {
	for _, tc := range []struct{ env, kernel, want string }{
		{"", "xor", ""},
		{"avx2", "xor", "avx2"},
		{"xor=avx2,utf8=avx512", "utf8", "avx512"},
		{"xor=avx2,utf8=avx512", "xor", "avx2"},
		{"avx2, utf8=avx512", "xor", "avx2"},
		{"utf8=avx512", "xor", ""},
		{"sse2|generic", "utf8", "sse2|generic"},
	} {
		if got := requiredFor(tc.env, tc.kernel); got != tc.want {
			t.Errorf("requiredFor(%q, %q) = %q, want %q", tc.env, tc.kernel, got, tc.want)
		}
	}
}
