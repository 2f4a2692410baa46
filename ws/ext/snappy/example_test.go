package snappy_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

// Offer permessage-snappy, asking the server for a new stream per message.
func ExampleNew() {
	ext := snappy.New(snappy.Options{ServerNoContextTakeover: true})
	opts := &ws.Options{Extensions: []ws.Extension{ext}}
	fmt.Println(ws.FormatExtensions(opts.Extensions[0].Offers()))
	// Output: permessage-snappy; client_no_context_takeover; server_no_context_takeover
}
