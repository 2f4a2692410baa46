package cbor_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// benchMessages are the messages of a routed call and a publication as
// the client and the router send them: empty Options/Details, two
// arguments (the router's BenchmarkCall payload).
var benchMessages = []struct {
	name string
	m    wamp.Message
}{
	{"call", &wamp.Call{Request: 1234, Procedure: "com.example.echo", Args: wamp.List{"hello", int64(1)}}},
	{"invocation", &wamp.Invocation{Request: 5678, Registration: 42, Args: wamp.List{"hello", int64(1)}}},
	{"yield", &wamp.Yield{Request: 5678, Args: wamp.List{"hello", int64(1)}}},
	{"result", &wamp.Result{Request: 1234, Args: wamp.List{"hello", int64(1)}}},
	{"publish", &wamp.Publish{Request: 9, Topic: "com.example.topic", Args: wamp.List{"hello", int64(1)}}},
	{"event", &wamp.Event{Subscription: 7, Publication: 8, Args: wamp.List{"hello", int64(1)}}},
	{"call_kwargs", &wamp.Call{Request: 1234, Procedure: "com.example.echo", Options: wamp.Dict{"receive_progress": true},
		Args: wamp.List{"hello", int64(1000)}, Kwargs: wamp.Dict{"timeout": int64(5)}}},
}

func BenchmarkUnmarshal(b *testing.B) {
	var s cbor.Serializer
	for _, bm := range benchMessages {
		in, err := s.AppendMessage(nil, bm.m)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := s.Unmarshal(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
