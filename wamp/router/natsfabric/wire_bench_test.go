package natsfabric

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// BenchmarkWireCall is the fabric's own encoding work for one call
// across routers: the call encoded on the caller's router and decoded on
// the callee's, the result encoded there and decoded back.
//
//	cd wamp/router/natsfabric && go test -run '^$' -bench 'WireCall' -benchmem -count 6 .
func BenchmarkWireCall(b *testing.B) {
	c := &router.FabricCall{Realm: "realm1", Registration: "com.example.echo", Match: "exact", Procedure: "com.example.echo",
		Caller: 123456789, CallerAuthID: "anonymous-x", CallerAuthRole: "anonymous", Options: wamp.Dict{},
		Timeout: 10 * time.Second, Args: wamp.List{"hello", int64(42)}}
	res := &wamp.Result{Request: 1, Details: wamp.Dict{}, Args: wamp.List{"hello", int64(42)}}
	b.ReportAllocs()
	for b.Loop() {
		cb, err := encodeCall(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeCall(cb); err != nil {
			b.Fatal(err)
		}
		rb, err := encodeAnswer(res)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeAnswer(rb); err != nil {
			b.Fatal(err)
		}
	}
}
