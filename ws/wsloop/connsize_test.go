package wsloop

import (
	"testing"
	"unsafe"
)

// TestConnSize pins the size of a connection's record on the loop, one
// per idle connection: 32 bytes is a Go size class (the next up is 48). A
// Server's connections carry no Handler of their own (driver.handler), and
// an idle ws:// one no handshake or TLS state either (connExtra).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(conn{}); n > 32 {
		t.Fatalf("unsafe.Sizeof(conn{}) = %d, want <= 32", n)
	}
}
