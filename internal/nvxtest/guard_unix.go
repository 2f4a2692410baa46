//go:build unix

package nvxtest

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Guarded returns two n-byte slices: the first starts right after a PROT_NONE
// page, the second ends right before one. A kernel that reads or writes one
// byte outside either slice crashes the test with SIGSEGV. The memory is
// unmapped when t ends.
func Guarded(t testing.TB, n int) (afterGuard, beforeGuard []byte) {
	t.Helper()
	page := unix.Getpagesize()
	size := (n + page - 1) / page * page
	// Layout: guard | data (size) | guard | data (size) | guard
	total := 3*page + 2*size
	mem, err := unix.Mmap(-1, 0, total, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = unix.Munmap(mem) })
	for _, off := range []int{0, page + size, 2*page + 2*size} {
		if err := unix.Mprotect(mem[off:off+page], unix.PROT_NONE); err != nil {
			t.Fatalf("mprotect: %v", err)
		}
	}
	a := page
	afterGuard = mem[a : a+n : a+n]
	end := 2*page + 2*size
	beforeGuard = mem[end-n : end : end]
	return afterGuard, beforeGuard
}
