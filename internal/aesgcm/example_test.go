package aesgcm_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
)

// Sealing the content of a TLS 1.3 record, its 5-byte header the
// additional data, and opening it again in place.
func Example() {
	key := make([]byte, 16)
	a, err := aesgcm.New(key)
	if err != nil {
		panic(err)
	}
	nonce := make([]byte, a.NonceSize())
	header := []byte{23, 3, 3, 0, 5 + 16}
	msg := []byte("hello")
	record := a.Seal(nil, nonce, msg, header)
	fmt.Printf("%x\n", record)
	plain, err := a.Open(record[:0], nonce, record, header)
	fmt.Printf("%s %v\n", plain, err)
	// Output:
	// 6bedb6a20f6f415b7c5ac9d54b8ff60d481683cca2
	// hello <nil>
}
