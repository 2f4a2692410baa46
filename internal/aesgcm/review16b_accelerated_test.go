//go:build amd64 && !purego

package aesgcm

import "testing"

// TestAcceleratedKeySizes holds New to Accelerated's documentation: the
// kernels for 16- and 32-byte keys when it reports true, the standard
// library for 24-byte keys always.
func TestAcceleratedKeySizes(t *testing.T) {
	for _, size := range []int{16, 24, 32} {
		a, err := New(make([]byte, size))
		if err != nil {
			t.Fatal(err)
		}
		_, kernels := a.(*vaesGCM)
		if want := Accelerated() && size != 24; kernels != want {
			t.Errorf("%d-byte key: kernels %v, want %v (Accelerated() = %v)", size, kernels, want, Accelerated())
		}
	}
}
