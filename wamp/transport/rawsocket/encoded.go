package rawsocket

import (
	"context"

	"github.com/autobahn-go/autobahn/wamp"
)

var _ wamp.EncodedSender = (*Conn)(nil)

// SendEncoded sends a message encoded once for many connections (a
// router's fan-out): e.Bytes as one regular frame when e is in this
// connection's serializer, without encoding anything; else e.Message as
// Send would. Otherwise it behaves as Send (the same queue, waits and
// errors); e.Bytes is copied into the write queue, not kept.
func (c *Conn) SendEncoded(ctx context.Context, e *wamp.Encoded) error {
	if !e.For(c.ser) {
		return c.Send(ctx, e.Message)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := e.Bytes
	if len(p) > c.maxSend {
		return ErrMessageTooLarge
	}
	return c.wq.Add(ctx, func(b []byte) ([]byte, error) {
		return append(AppendHeader(b, FrameRegular, len(p)), p...), nil
	})
}
