package main

import (
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The README's masking snippet, run: masking then unmasking in two pieces
// gives the text back, and the key position carries over.
func Example() {
	main()
	// Output:
	// masked:   7f9f4d5158d6016a5298725254914449
	// unmasked: Hello, WebSocket (key position 0)
}
