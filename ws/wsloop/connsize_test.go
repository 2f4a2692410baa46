package wsloop

import (
	"testing"
	"unsafe"
)

// TestConnSize pins the size of a connection's record on the loop, one
// per idle connection: 48 bytes is a Go size class (the next up is 64). A
// Server's connections carry no Handler of their own (conn.handler).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 48 {
		t.Fatalf("unsafe.Sizeof(conn{}) = %d, want <= 48", n)
	}
}
