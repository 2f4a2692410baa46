package bzip2_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
)

// Offer permessage-bzip2, asking the server for 100 kB blocks.
func ExampleNew() {
	ext := bzip2.New(bzip2.Options{ServerMaxCompressLevel: 1})
	opts := &ws.Options{Extensions: []ws.Extension{ext}}
	fmt.Println(ws.FormatExtensions(opts.Extensions[0].Offers()))
	// Output: permessage-bzip2; client_max_compress_level; server_max_compress_level=1
}
