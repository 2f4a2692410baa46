//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"testing"
	"unsafe"
)

// TestConnSize pins the size of a connection's record, which every
// connection carries however idle: 80 bytes is a size class of the Go
// allocator (the next is 96). What only some connections need (IPv6 or
// unix addresses, AsyncWrite's data and its lock, unconsumed input, a
// deadline or idle time more than nearMs ahead) is made on first use; the
// deadline and the idle time are 32-bit milliseconds (see packTime).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 80 {
		t.Fatalf("unsafe.Sizeof(Conn{}) = %d, want <= 80", n)
	}
}

// TestWheelDueWraps: a connection's slot in the timing wheel is a 32-bit
// firing number, whose loop time is found across the wrap of the counter,
// for the firings ahead and the one being handled.
func TestWheelDueWraps(t *testing.T) {
	var w wheel
	w.init(10, 1000)
	w.seq = ^uint32(0) - 2 // three firings before the wrap
	c := &Conn{}
	for _, at := range []int64{1000, 1010, 1025, 1040, 1050, 1000 + 10*(wheelSlots-1), 1000 + 10*wheelSlots*3} {
		seq := w.add(c, at)
		due := w.due(seq)
		want := max(at, w.next)
		if d := want - w.next; d%10 != 0 {
			want += 10 - d%10
		}
		want = min(want, w.next+10*(wheelSlots-1))
		if due != want {
			t.Errorf("add(%d): due %d, want %d", at, due, want)
		}
	}
	// The firing being handled: advance has moved on by one.
	seq := w.seq
	w.seq++
	w.next += w.tick
	if due := w.due(seq); due != w.next-w.tick {
		t.Errorf("due of the firing being handled = %d, want %d", due, w.next-w.tick)
	}
}
