package websocket

import (
	"context"
	"encoding/binary"

	"github.com/autobahn-go/autobahn/wamp"
)

var _ wamp.EncodedSender = (*Conn)(nil)

// SendEncoded sends a message encoded once for many connections (a
// router's fan-out): e.Bytes as one WebSocket message (a batch of one in
// a batched subprotocol) when e is in this connection's serializer,
// without encoding anything; else e.Message, encoded. Otherwise it
// behaves as Send (the same queue, waits, limits and errors). Send and
// SendNow take an *wamp.Encoded the same way.
func (c *Conn) SendEncoded(ctx context.Context, e *wamp.Encoded) error {
	return c.Send(ctx, e)
}

// encoded returns what an Encoded in this connection's serializer sends:
// its bytes as they are, or, in a batched subprotocol, framed as a batch
// of one in a pooled buffer (bp, nil otherwise; see putEncodeBuf).
func (c *Conn) encoded(e *wamp.Encoded) (bp *[]byte, b []byte) {
	if !c.batched {
		return nil, e.Bytes
	}
	bp = encodeBufs.Get().(*[]byte)
	b = (*bp)[:0]
	if c.ser.Binary() {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Bytes)))
		b = append(b, e.Bytes...)
	} else {
		b = append(append(b, e.Bytes...), wamp.BatchSeparator)
	}
	*bp = b[:0]
	return bp, b
}
