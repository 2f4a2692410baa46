//go:build !linux

package nvxtest

import "testing"

// CPUTime reports thread CPU time per operation on linux; elsewhere it
// reports nothing.
func CPUTime(b *testing.B, bytes int) func() { return func() {} }
