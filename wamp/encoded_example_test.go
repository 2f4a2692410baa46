package wamp_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// An EVENT encoded once: every EncodedSender of the JSON serializer sends
// these bytes as they are; one of another serializer encodes Message.
func ExampleEncoded() {
	ev := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{"hello"}}
	b, err := json.Serializer{}.AppendMessage(nil, ev)
	if err != nil {
		panic(err)
	}
	e := &wamp.Encoded{Message: ev, Serializer: json.Serializer{}, Bytes: b}
	fmt.Println(e.Type(), string(e.Bytes))
	fmt.Println(e.For(json.Serializer{}), e.For(cbor.Serializer{}))
	// Output:
	// EVENT [36,1,2,{},["hello"]]
	// true false
}
