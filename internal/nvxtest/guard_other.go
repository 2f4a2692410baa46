//go:build !unix

package nvxtest

import "testing"

// Guarded is only available on unix systems; elsewhere the test is skipped.
func Guarded(t testing.TB, n int) (afterGuard, beforeGuard []byte) {
	t.Skip("guard pages need mmap")
	return nil, nil
}
