package ws

import (
	"context"
	"sync"
)

// PreparedMessage is a message framed once and sent to many connections:
// servers send the stored frame as is. With a negotiated extension whose
// codec is a SharedCodec (e.g. compression without context takeover) the
// message is encoded once per distinct ShareKey and that frame is reused;
// other codecs encode it per connection. Clients must mask every frame with
// a fresh key (§5.3), so for them it only saves the caller from keeping the
// payload. A PreparedMessage is safe for concurrent use.
type PreparedMessage struct {
	op      Opcode
	payload []byte
	frame   []byte // unmasked frame for servers

	mu      sync.Mutex
	encoded map[string][]byte // ShareKey → encoded frame
}

// maxPreparedEncodings bounds the encoded frames a PreparedMessage keeps.
const maxPreparedEncodings = 8

// encodedFrame returns the frame of pm encoded by codec, encoding it on
// first use; nil if it cannot be shared.
func (pm *PreparedMessage) encodedFrame(codec SharedCodec) ([]byte, error) {
	key := codec.ShareKey()
	if key == "" {
		return nil, nil
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if f, ok := pm.encoded[key]; ok {
		return f, nil
	}
	if len(pm.encoded) >= maxPreparedEncodings {
		return nil, nil
	}
	enc, err := encodeGuarded(codec, nil, pm.payload) // under c.out.mu in push mode
	if err != nil {
		return nil, err
	}
	f := AppendFrame(nil, pm.op, true, false, [4]byte{}, enc)
	f[0] |= codec.Rsv() << 4
	if pm.encoded == nil {
		pm.encoded = map[string][]byte{}
	}
	pm.encoded[key] = f
	return f, nil
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
	if c.out != nil {
		return c.sent(c.pushPrepared(ctx, pm), len(pm.payload))
	}
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	frame := pm.frame
	if c.codec != nil && c.codec.Encodes(pm.op, len(pm.payload)) {
		// Encoded once per ShareKey, under this connection's message lock
		// (the codec is used by one message at a time).
		var f []byte
		if sc, ok := c.codec.(SharedCodec); ok {
			var err error
			if f, err = pm.encodedFrame(sc); err != nil {
				return c.encodeFailed(err)
			}
		}
		if f == nil {
			return c.sent(c.writeMessageLocked(ctx, pm.op, pm.payload), len(pm.payload))
		}
		frame = f
	}
	return c.sent(c.writeRaw(ctx, frame), len(pm.payload))
}

// writeRaw writes an already framed message under frameMu.
func (c *Conn) writeRaw(ctx context.Context, frame []byte) error {
	if err := c.lockFrame(ctx); err != nil {
		return err
	}
	defer c.unlockFrame()
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if !c.setWriteDeadline(deadline, false) {
		return ErrClosed
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, c.expireWrite)
		defer stop()
	}
	if _, err := c.writeNC(frame); err != nil {
		return c.writeFailed(ctx, err)
	}
	return nil
}

// pushPrepared is WritePrepared on a push-mode server Conn: the shared
// frame is queued as it is, or the message is encoded for this connection.
func (c *Conn) pushPrepared(ctx context.Context, pm *PreparedMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.codec == nil || !c.codec.Encodes(pm.op, len(pm.payload)) {
		return c.pushFrame(pm.frame)
	}
	sc, ok := c.codec.(SharedCodec)
	if !ok {
		return c.pushMessages(pm.op, pm.payload)
	}
	// The shared frame is encoded with this connection's codec, under the
	// queue's lock like every encoding; behind a stream (which encodes as it
	// goes) the message waits and is encoded when it is released.
	q := c.out
	q.mu.Lock()
	if err := c.admitLocked(MaxHeaderSize + len(pm.payload)); err != nil {
		q.mu.Unlock()
		return err
	}
	if q.stream {
		c.hold(heldMessage{op: pm.op, payload: append([]byte(nil), pm.payload...)})
		q.mu.Unlock()
		return nil
	}
	f, err := pm.encodedFrame(sc)
	switch {
	case err == nil && f != nil:
		b := q.grow(len(f))
		*q.buf = append(b, f...)
	case err == nil:
		err = c.messageLocked(pm.op, pm.payload)
	}
	c.unlockOut()
	if err != nil {
		return c.encodeFailed(err)
	}
	return nil
}
