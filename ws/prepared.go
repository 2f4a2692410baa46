package ws

import (
	"context"
	"time"
)

// PreparedMessage is a message framed once and sent to many connections:
// servers send the stored frame as is. Clients must mask every frame with a
// fresh key (§5.3), so for them it only saves the caller from keeping the
// payload. A PreparedMessage is immutable and safe for concurrent use.
type PreparedMessage struct {
	op      Opcode
	payload []byte
	frame   []byte // unmasked frame for servers
}

// NewPreparedMessage frames payload (copied) as one message of type op.
func NewPreparedMessage(op Opcode, payload []byte) *PreparedMessage {
	p := append([]byte(nil), payload...)
	return &PreparedMessage{op: op, payload: p, frame: AppendFrame(nil, op, true, false, [4]byte{}, p)}
}

// WritePrepared sends pm as one message.
func (c *Conn) WritePrepared(ctx context.Context, pm *PreparedMessage) error {
	if c.role == RoleClient || c.opts.AutoFragmentSize > 0 {
		return c.WriteMessage(ctx, pm.op, pm.payload)
	}
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	return c.writeRaw(ctx, pm.frame)
}

// writeRaw writes an already framed message under frameMu.
func (c *Conn) writeRaw(ctx context.Context, frame []byte) error {
	c.frameMu.Lock()
	defer c.frameMu.Unlock()
	c.mu.Lock()
	closing := c.closeSent
	c.mu.Unlock()
	if closing {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetWriteDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	_ = c.nc.SetWriteDeadline(deadline)
	if _, err := c.nc.Write(frame); err != nil {
		c.drop(err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}
