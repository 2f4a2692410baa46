package websocket

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// FuzzBatchedRecv feeds one arbitrary received WebSocket message to the
// batched receive path of every serializer of its frame type, then drains
// the queue through Recv: it must never panic, and must return exactly the
// messages wamp.SplitBatched finds, or an error where SplitBatched fails.
func FuzzBatchedRecv(f *testing.F) {
	sers := []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, ubjson.Serializer{}}
	for _, s := range sers {
		var frame []byte
		for _, m := range []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "a.b", Args: wamp.List{[]byte{0x18}, "\x18"}}} {
			frame, _ = wamp.AppendBatched(frame, s, m)
		}
		f.Add(s.Binary(), frame)
	}
	f.Add(false, []byte("[17,1,2]\x18[17,1"))
	f.Add(true, []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, binary bool, payload []byte) {
		for _, s := range sers {
			if s.Binary() != binary {
				continue
			}
			var want []wamp.Message
			splitErr := wamp.SplitBatched(s, payload, func(m wamp.Message) error { want = append(want, m); return nil })
			c := &Conn{ser: s, batched: true}
			m, err := c.decode(binary, payload)
			if (err == nil) != (splitErr == nil) {
				t.Fatalf("%s: decode error %v, SplitBatched error %v", s.Name(), err, splitErr)
			}
			if err != nil {
				if errors.Is(splitErr, wamp.ErrBatchFormat) && !errors.Is(err, wamp.ErrProtocolViolation) {
					t.Fatalf("%s: %v does not match ErrProtocolViolation", s.Name(), err)
				}
				continue
			}
			for i, w := range want {
				if i > 0 {
					if m, err = c.Recv(t.Context()); err != nil {
						t.Fatalf("%s: Recv %d of %d: %v", s.Name(), i, len(want), err)
					}
				}
				if err := vectors.MessagesEqual(w, m); err != nil {
					t.Fatalf("%s: message %d: %v", s.Name(), i, err)
				}
			}
			if c.qhead != len(c.queue) {
				t.Fatalf("%s: %d messages left in the queue", s.Name(), len(c.queue)-c.qhead)
			}
		}
	})
}
