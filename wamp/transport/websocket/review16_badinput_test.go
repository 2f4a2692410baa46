package websocket_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// A Conn whose Recv got what does not decode closes, when its user closes
// it after the error as the doc asks, with the code of the fault: 1003 for
// a frame of the wrong type, 1007 for a payload that is no WAMP message,
// as a LoopReceiver's connection does. On goroutines and through the event
// loop's inbox it closed with 1000, normal closure, so the peer could not
// tell that it had sent what the other side could not read.
func TestReview16RecvFailureCloseCode(t *testing.T) {
	servers := []struct {
		name  string
		start func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string
	}{
		{"goroutines", func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string {
			return startServer(t, false, opts, serve).url()
		}},
		{"loop-inbox", startLoopServer},
	}
	inputs := []struct {
		name    string
		ser     wamp.Serializer
		batched bool
		op      ws.Opcode
		payload []byte
		want    ws.StatusCode
	}{
		{"binary frame for json", json.Serializer{}, false, ws.OpBinary, []byte(`[17,1,2]`), ws.StatusUnsupportedData},
		{"text frame for cbor", cbor.Serializer{}, false, ws.OpText, []byte("cab"), ws.StatusUnsupportedData},
		{"json garbage", json.Serializer{}, false, ws.OpText, []byte(`[17,1`), ws.StatusInvalidFramePayloadData},
		{"not a WAMP message", json.Serializer{}, false, ws.OpText, []byte(`[9999,1]`), ws.StatusInvalidFramePayloadData},
		{"unterminated json batch", json.Serializer{}, true, ws.OpText, []byte(`[17,1,2]`), ws.StatusInvalidFramePayloadData},
	}
	for _, srv := range servers {
		for _, in := range inputs {
			t.Run(srv.name+"/"+in.name, func(t *testing.T) {
				opts := websocket.Options{Serializers: []wamp.Serializer{in.ser}, Batched: in.batched}
				url := srv.start(t, opts, func(c *websocket.Conn) {
					if _, err := c.Recv(context.Background()); !errors.Is(err, wamp.ErrProtocolViolation) {
						t.Errorf("Recv: %v, want a protocol violation", err)
					}
					c.Close()
				})
				c, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{websocket.Subprotocol(in.ser, in.batched)}})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(ws.StatusNormalClosure, "")
				if err := c.WriteMessage(ctxT(t), in.op, in.payload); err != nil {
					t.Fatal(err)
				}
				_, _, err = c.ReadMessage(ctxT(t))
				var ce *ws.CloseError
				if !errors.As(err, &ce) || ce.Code != in.want {
					t.Errorf("the connection ended with %v, want close code %v", err, in.want)
				}
			})
		}
	}
}
